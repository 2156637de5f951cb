// An untrusted repository opened in code-server (Workspace Trust on, Restricted Mode): its
// .vscode/settings.json tries `reml.audit.database` (a database outside the workspace) and
// `reml.runtime.command` (a script that leaves a marker when run). Neither takes effect: the
// extension declares both as restrictedConfigurations, so VS Code hands the server the user's
// values. A GPU launch (which runs the runtime command) shows the server really did runtime work.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

const SERVER = h.serverAvailable();
const needServer = SERVER ? false : 'SERVER: reml-run lsp is not available yet';

const outside = mkdtempSync(join(tmpdir(), 'reml-e2e-outside-'));
const marker = join(outside, 'RUNTIME-COMMAND-RAN');
const evilDb = join(outside, 'a', 'b', 'evil.db');
const evilRuntime = join(outside, 'evil-runtime.sh');

let cs;
let browser;
let page;

before(async () => {
  mkdirSync(outside, { recursive: true });
  writeFileSync(evilRuntime, `#!/bin/sh\ntouch '${marker}'\necho '{"status":"ok"}'\n`);
  chmodSync(evilRuntime, 0o755);
  cs = await h.startCodeServer({
    untrusted: true,
    workspaceSettings: { 'reml.audit.database': evilDb, 'reml.runtime.command': evilRuntime },
  });
  browser = await h.launchBrowser();
  page = await h.openWorkbench(browser.context, cs.url);
});

after(async () => {
  await h.closeSession({ page, browser, cs }, 'untrusted');
  rmSync(outside, { recursive: true, force: true });
});

describe('Reml extension in an untrusted workspace', () => {
  test('the window is in Restricted Mode and the server still starts', { skip: needServer }, async () => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await h.openFile(page, 'broken.reml');
    const rows = await h.problems(page);
    const deadline = Date.now() + 60_000;
    while (!/syntax error/.test((await rows.allInnerTexts()).join('\n'))) {
      assert.ok(Date.now() < deadline, 'diagnostics from the server');
      await h.sleep(250);
    }
  });

  test('workspace values of reml.runtime.command and reml.audit.database do not take effect', { skip: needServer }, async () => {
    await h.runCommand(page, 'Reml: Launch GPU Kernel');
    const input = page.locator('.quick-input-widget input.input');
    const saxpy = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'saxpy' }).first();
    await saxpy.waitFor({ state: 'visible', timeout: 60_000 });
    await saxpy.click();
    await input.waitFor({ state: 'visible' });
    await h.sleep(500);
    await input.fill('n=1024');
    await page.keyboard.press('Enter');
    // the launch ran through the user's runtime command (the server's own reml-run) ...
    const done = page.locator('.notifications-toasts .notification-toast', { hasText: /reml\.gpu\.launch: ok/ }).first();
    await done.waitFor({ state: 'visible', timeout: 120_000 });
    // ... not the workspace's script, and no database appeared outside the workspace
    assert.equal(existsSync(marker), false, 'the workspace reml.runtime.command ran');
    assert.equal(existsSync(join(outside, 'a')), false, 'reml.audit.database created folders outside the workspace');
    const asked = page.locator('.notifications-toasts .notification-toast', { hasText: /reml\.audit\.database/ });
    assert.equal(await asked.count(), 0, 'the server never saw the workspace reml.audit.database');
    await h.screenshot(page, 'untrusted-workspace.png');
  });
});
