// The VSIX alone, with nothing configured: no reml.server.* setting, no reml-run on PATH, no
// virtual environment in the workspace — only a Python >= 3.11 on PATH, as on a fresh machine.
// The extension must run the language server bundled in the VSIX (bundled/libs) with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as h from './harness.mjs';

// This file runs in its own process (node --test): trimming PATH here only affects it.
const hasRemlRun = (dir) => ['reml-run', 'reml-run.exe'].some((n) => existsSync(join(dir, n)));
process.env.PATH = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !hasRemlRun(d)).join(delimiter);
for (const name of ['PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME']) {
  delete process.env[name];
}

let cs;
let browser;
let page;

before(async () => {
  // An empty reml.server.command overrides the harness's default (the repository's reml-run).
  cs = await h.startCodeServer({ settings: { 'reml.server.command': '' } });
  browser = await h.launchBrowser();
  page = await h.openWorkbench(browser.context, cs.url);
});

after(async () => {
  await h.closeSession({ page, browser, cs }, 'standalone');
});

const waitFor = (fn, what, timeout = 30_000) =>
  h.waitFor(page, fn, what, { timeout, prefix: 'standalone-' });

describe('the VSIX with nothing configured', () => {
  test('the bundled language server starts with the Python found on PATH', async () => {
    const icon = page.locator('[id="reml-lsp.reml.reml.status"] .codicon').first();
    await waitFor(async () => /check/.test((await icon.getAttribute('class')) ?? ''), 'server running', 90_000);
    const log = await waitFor(async () => {
      const text = h.remlOutputLog(cs);
      return /starting .*bundled server with/.test(text) ? text : undefined;
    }, 'the Reml output naming the bundled server');
    assert.match(log, /Python 3\.\d+/);
    assert.doesNotMatch(log, /no usable Python/);
  });

  test('diagnostics come from the bundled server', async () => {
    await h.openFile(page, 'broken.reml');
    const rows = await h.problems(page);
    await waitFor(async () => /parser\.[a-z_.]+/.test((await rows.allInnerTexts()).join('\n')), 'a Problems row with a parser. code', 60_000);
    await h.screenshot(page, 'standalone-diagnostics.png');
  });
});
