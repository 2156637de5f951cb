// End-to-end tests in real VS Code (code-server 4.139.1) driven by headless Chromium.
// Run through scripts/test.sh, which installs code-server, Node 24 and Chromium and sets the
// REML_E2E_* variables (see harness.mjs).
//
// The tests marked SERVER need `reml-run lsp` (server/reml_lsp/lsp); they are skipped, with the
// reason printed, while the server does not exist yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const SERVER = h.serverAvailable();
const needServer = SERVER ? false : 'SERVER: reml-run lsp is not available yet';

let cs;
let browser;
let page;

before(async () => {
  cs = await h.startCodeServer();
  // A manifest with one finding (`name` must be a string): the client must send it to the server.
  writeFileSync(join(cs.workspace, 'reml.toml'), '[project]\nname = 7\n');
  if (SERVER) {
    // The runtime state that the reload test reloads app.json into.
    const init = spawnSync(h.env.remlRun, ['state', 'init', 'runtime.state', '--config', 'app.json'], { cwd: cs.workspace, encoding: 'utf8' });
    assert.equal(init.status, 0, `reml-run state init: ${init.stdout}${init.stderr}`);
  }
  browser = await h.launchBrowser();
  page = await h.openWorkbench(browser.context, cs.url);
});

after(async () => {
  await h.closeSession({ page, browser, cs }, 'e2e');
});

/** Newest output-channel log of code-server's extension host whose file name contains `name`. */
const outputLog = (name) =>
  h.outputLogs(cs, (file) => file.endsWith('.log') && file.includes(name))[0] ?? '';

const waitFor = (fn, what, timeout = 30_000) => h.waitFor(page, fn, what, { timeout });

const errorSquiggles = () => page.locator('.editor-instance .monaco-editor .view-overlays .squiggly-error, .editor-instance .monaco-editor .squiggly-error');

async function editorText() {
  return (await page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

describe('Reml extension in code-server', () => {
  test('the extension activates on a workspace with .reml files and shows its status bar item', async () => {
    const item = page.locator('[id="reml-lsp.reml.reml.status"]');
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await item.innerText(), /Reml/);
  });

  test('a .reml file gets the Reml language mode and TextMate highlighting', async () => {
    await h.openFile(page, 'ok.reml');
    const mode = page.locator('.statusbar-item[id="status.editor.mode"]');
    await waitFor(async () => /Reml/.test(await mode.innerText()), 'language mode Reml');
    // `fn` is a storage.type keyword: the theme colours it differently from a plain identifier.
    const colours = await page.locator('.editor-instance .view-lines .view-line span span').evaluateAll((spans) =>
      Object.fromEntries(spans.map((s) => [s.textContent, getComputedStyle(s).color])),
    );
    assert.ok(colours.fn, 'token "fn" rendered');
    assert.ok(colours.add, 'token "add" rendered');
    assert.notEqual(colours.fn, colours.add, 'keyword and function name have different colours');
    await h.screenshot(page, 'editor.png');
  });

  test('the language server starts (status bar shows it running)', { skip: needServer }, async () => {
    await waitFor(async () => /check/.test(await page.locator('[id="reml-lsp.reml.reml.status"] .codicon').first().getAttribute('class')), 'server running', 60_000);
  });

  test('a syntax error shows a squiggle and a Problems entry with a parser. code', { skip: needServer }, async () => {
    await h.openFile(page, 'broken.reml');
    await waitFor(async () => (await errorSquiggles().count()) > 0, 'an error squiggle');
    const rows = await h.problems(page);
    await waitFor(async () => /parser\.[a-z_.]+/.test((await rows.allInnerTexts()).join('\n')), 'a Problems row with a parser. code');
    // The status bar shows the last stream_meta of the diagnostics (resume count, lag).
    const status = page.locator('[id="reml-lsp.reml.reml.status"]');
    await waitFor(async () => /resume \d+/.test(await status.innerText()), 'stream_meta in the status bar');
    await h.screenshot(page, 'diagnostics.png');
  });

  test('fixing the text clears the diagnostic', { skip: needServer }, async () => {
    await h.openFile(page, 'broken.reml');
    await waitFor(async () => (await errorSquiggles().count()) > 0, 'an error squiggle');
    await h.gotoLine(page, 6, 23);
    await page.keyboard.type(')');
    await waitFor(async () => (await errorSquiggles().count()) === 0, 'the squiggle to clear');
    assert.match(await editorText(), /add\(1, 2\)/);
    // Leave the file as it was for later tests.
    await page.keyboard.press('Control+Z');
  });

  test('completion after `let x = ` lists expression-start tokens', { skip: needServer }, async () => {
    await h.openFile(page, 'scratch.reml');
    await h.gotoLine(page, 4, 1);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('let x = ');
    await page.keyboard.press('Control+Space');
    const rows = page.locator('.suggest-widget .monaco-list-row');
    await rows.first().waitFor({ state: 'visible' });
    // The list is virtualised: walk it with ArrowDown (PageDown does not move it in code-server)
    // and collect every label.
    const rowsLoc = page.locator('.suggest-widget .monaco-list-row');
    await waitFor(async () => (await rowsLoc.count()) > 0, 'completion items');
    const total = Number(await rowsLoc.first().getAttribute('aria-setsize')) || 1;
    const labels = new Set();
    for (let i = 0; i <= total; i++) {
      for (const t of await page.locator('.suggest-widget .monaco-list-row .label-name').allInnerTexts()) {
        labels.add(t.trim());
      }
      await page.keyboard.press('ArrowDown');
    }
    for (const kw of ['if', 'match', 'fn']) {
      assert.ok(labels.has(kw), `completion has ${kw}: ${[...labels].join(', ')}`);
    }
    await page.keyboard.press('Escape');
  });

  test('the quick fix for a missing `)` applies', { skip: needServer }, async () => {
    await h.openFile(page, 'missing-paren.reml');
    await waitFor(async () => (await errorSquiggles().count()) > 0, 'an error squiggle');
    // Go to the diagnostic (F8 = Go to Next Problem puts the caret at its start), then Quick Fix.
    await h.gotoLine(page, 1, 1);
    await page.keyboard.press('F8');
    await page.locator('.marker-widget').first().waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    const action = page.locator('.action-widget .monaco-list-row', { hasText: ')' }).first();
    await action.waitFor({ state: 'visible' });
    await action.click();
    await waitFor(async () => /add\(1, 2\)/.test(await editorText()), 'the inserted `)`');
    await waitFor(async () => (await errorSquiggles().count()) === 0, 'the squiggle to clear');
  });

  test('saving a document triggers diagnostics', { skip: needServer }, async () => {
    await h.openFile(page, 'save.reml');
    await h.gotoLine(page, 4, 1);
    await page.keyboard.press('End');
    await page.keyboard.type(' +');
    await page.keyboard.press('Control+S');
    await waitFor(async () => !(await page.locator('.tabs-container .tab.active.dirty').count()), 'the save to finish');
    await waitFor(async () => (await errorSquiggles().count()) > 0, 'an error squiggle after save');
    const trace = await waitFor(() => {
      const log = outputLog('Reml Trace');
      const saved = log.lastIndexOf("'textDocument/didSave'");
      if (saved < 0) {
        return undefined;
      }
      const tail = log.slice(saved);
      return /textDocument\/publishDiagnostics|textDocument\/diagnostic\b/.test(tail) ? tail : undefined;
    }, 'diagnostics after didSave in the LSP trace');
    assert.match(trace, /save\.reml/);
  });

  test('the audit entry of the diagnostic under the caret opens beside the editor', { skip: needServer }, async () => {
    await h.openFile(page, 'broken.reml');
    await waitFor(async () => (await errorSquiggles().count()) > 0, 'an error squiggle');
    await h.gotoLine(page, 1, 1);
    await page.keyboard.press('F8');
    await page.locator('.marker-widget').first().waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await h.runCommand(page, 'Reml: Show Audit Entry for Diagnostic at Cursor');
    const text = await waitFor(async () => {
      const all = (await page.locator('.editor-instance .view-lines').allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
      return /"audit_id"/.test(all) ? all : undefined;
    }, 'the audit entry document');
    assert.match(text, /"audit_id": "[0-9a-f-]{36}"/);
    // The entry is an untitled document: close it without the save prompt.
    await h.runCommand(page, 'View: Revert and Close Editor');
  });

  test('a reload dry run from the command palette reports its status, then applies after confirmation', { skip: needServer }, async (t) => {
    const declared = /server running.*; commands: (.*)$/m.exec(outputLog('Reml.log'))?.[1] ?? '';
    if (!declared.split(', ').includes('reml.reload')) {
      t.skip(`SERVER: the server does not provide reml.reload yet (it has: ${declared})`);
      return;
    }
    await h.openFile(page, 'app.json');
    await h.gotoLine(page, 4, 17); // "replicas": 2 → 3
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('3');
    await page.keyboard.press('Control+S');
    await waitFor(async () => !(await page.locator('.tabs-container .tab.active.dirty').count()), 'the save to finish');
    await h.runCommand(page, 'Reml: Reload Runtime Configuration (Dry Run, then Apply)');
    // The dry run's outcome comes back as the server's confirmation request.
    const question = page.locator('.notifications-toasts .notification-toast', { hasText: /Apply the reload of runtime\.state: 1 change/ }).first();
    await question.waitFor({ state: 'visible', timeout: 60_000 });
    await h.screenshot(page, 'reload-dry-run.png');
    await question.locator('.monaco-button', { hasText: 'Apply' }).first().click();
    const applied = page.locator('.notifications-toasts .notification-toast', { hasText: /reml\.reload: applied/ }).first();
    await applied.waitFor({ state: 'visible', timeout: 60_000 });
    const state = JSON.parse(readFileSync(join(cs.workspace, 'runtime.state'), 'utf8'));
    assert.equal(state.version, 2);
    assert.equal(state.config.service.replicas, 3);
  });

  test('a GPU kernel launches from the command palette (kernel picked from reml-run gpu kernels)', { skip: needServer }, async () => {
    await h.runCommand(page, 'Reml: Launch GPU Kernel');
    const input = page.locator('.quick-input-widget input.input');
    const saxpy = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'saxpy' }).first();
    await saxpy.waitFor({ state: 'visible', timeout: 60_000 });
    await saxpy.click();
    await waitFor(async () => /Parameters/.test(await page.locator('.quick-input-widget').innerText()), 'the parameters box');
    await input.fill('n=4096');
    await page.keyboard.press('Enter');
    const done = page.locator('.notifications-toasts .notification-toast', { hasText: /reml\.gpu\.launch: ok/ }).first();
    await done.waitFor({ state: 'visible', timeout: 120_000 });
    assert.match(await done.innerText(), /audit_id [0-9a-f-]{36}/);
  });

  test('reml.toml reaches the server (selected by pattern, no TOML extension): its config finding shows in Problems', { skip: needServer }, async () => {
    await h.openFile(page, 'reml.toml');
    const rows = await h.problems(page);
    await waitFor(async () => /config\.schema\.type_mismatch/.test((await rows.allInnerTexts()).join('\n')), 'a Problems row for reml.toml', 60_000);
  });

  test('setting reml.language.locale to ja-JP re-publishes the diagnostics in Japanese', { skip: needServer }, async () => {
    await h.openFile(page, 'broken.reml');
    const rows = await h.problems(page);
    await waitFor(async () => /syntax error/.test((await rows.allInnerTexts()).join('\n')), 'English diagnostics');
    // A workspace setting (.vscode/settings.json), as a person would write it; VS Code picks the
    // file up, the extension sends didChangeConfiguration, the server re-publishes.
    mkdirSync(join(cs.workspace, '.vscode'), { recursive: true });
    writeFileSync(join(cs.workspace, '.vscode', 'settings.json'), JSON.stringify({ 'reml.language.locale': 'ja-JP' }, null, 2));
    await waitFor(async () => /構文エラー/.test((await rows.allInnerTexts()).join('\n')), 'Japanese diagnostics', 60_000);
    await h.screenshot(page, 'diagnostics-ja.png');
  });
});
