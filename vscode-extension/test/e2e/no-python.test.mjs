// The VSIX on a machine with no Python at all: nothing configured, no reml-run, and no python3 or
// python on PATH. The user must be told, in a notification, that the language server needs a
// Python (naming the version) and how to get out of it; "Configure…" opens the Reml server
// settings; no server is started. Only what the user sees is asserted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as h from './harness.mjs';

// This file runs in its own process (node --test): the PATH set here is code-server's and so
// the extension host's. Every program on PATH stays reachable (linked into one folder) except
// any Python and reml-run.
const HIDDEN = /^(python|pypy|py$|reml-run)/;
const bin = mkdtempSync(join(tmpdir(), 'reml-e2e-nopython-bin-'));
for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    continue;
  }
  for (const name of names) {
    const target = join(bin, name);
    if (HIDDEN.test(name) || existsSync(target)) {
      continue;
    }
    try {
      if (statSync(join(dir, name)).isFile()) {
        symlinkSync(join(dir, name), target);
      }
    } catch {
      // unreadable or dangling: not a program we need
    }
  }
}
process.env.PATH = bin;
// VS Code takes the extension host's environment from a login shell ($SHELL -i -l -c …), whose
// profile would put /usr/bin (and its python3) back on PATH: a shell that runs the command as
// it is keeps this PATH, as on a machine where Python is really absent.
const shell = join(bin, 'reml-e2e-shell');
writeFileSync(shell, '#!/bin/sh\nfor a; do cmd="$a"; done\nexec /bin/sh -c "$cmd"\n');
chmodSync(shell, 0o755);
process.env.SHELL = shell;
for (const name of ['PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME', 'CONDA_PREFIX']) {
  delete process.env[name];
}

let cs;
let browser;
let page;

before(async () => {
  // An empty reml.server.command overrides the harness's default (the repository's reml-run).
  cs = await h.startCodeServer({ settings: { 'reml.server.command': '', 'reml.server.pythonPath': '' } });
  browser = await h.launchBrowser();
  page = await h.openWorkbench(browser.context, cs.url);
});

after(async () => {
  await h.closeSession({ page, browser, cs }, 'no-python');
  rmSync(bin, { recursive: true, force: true });
});

describe('the VSIX on a machine without Python', () => {
  test('a notification says a Python is needed and how to provide one', async () => {
    // The extension activates on a Reml file.
    await h.openFile(page, 'broken.reml');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /Python/ }).first();
    await toast.waitFor({ state: 'visible', timeout: 90_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Python 3\.\d+ or newer/, 'names the Python version it needs');
    assert.match(text, /reml\.server\.pythonPath|reml\.server\.command/, 'names the setting that gets out of it');
    const configure = toast.locator('.monaco-button', { hasText: /Configure/ }).first();
    assert.equal(await configure.isVisible(), true, 'offers Configure…');
    await h.screenshot(page, 'no-python.png');

    // No server ran, so the file has no diagnostics from one.
    const rows = await h.problems(page);
    await h.sleep(2000);
    assert.doesNotMatch((await rows.allInnerTexts()).join('\n'), /parser\.[a-z_.]+/);

    // Configure… opens the Settings editor on the Reml server settings.
    await configure.click();
    const search = page.locator('.settings-editor .suggest-input-container .monaco-editor .view-lines').first();
    await search.waitFor({ state: 'visible', timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    while (!/reml\.server/.test(await search.innerText())) {
      assert.ok(Date.now() < deadline, 'the settings search holds reml.server');
      await h.sleep(250);
    }
    // In a remote window (code-server is one) VS Code lists the machine-overridable
    // reml.server.* settings under the Remote tab only (the User tab says "No Settings
    // Found"): Configure… opens on Remote, where the Python path is, with no further click.
    const remoteTab = page.locator('.settings-editor .settings-tabs-widget .action-label.checked', { hasText: 'Remote' });
    await remoteTab.first().waitFor({ state: 'visible', timeout: 30_000 });
    const setting = page.locator('.settings-editor .setting-item-contents', { hasText: /Python Path/ }).first();
    await setting.waitFor({ state: 'visible', timeout: 30_000 });
    await h.screenshot(page, 'no-python-settings.png');
  });
});
