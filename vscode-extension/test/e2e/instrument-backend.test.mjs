// `reml.instrument.backend` is machine-scoped (docs/security.md, defence 2): the VISA library is
// loaded from it, so only the user's own (machine) settings may choose it. Here the machine
// settings pick a pyvisa-sim description that has the instrument, and the workspace's
// .vscode/settings.json picks another that lacks it. VS Code ignores a machine-scoped key in
// workspace settings, so "Reml: Query Instrument" must reach the instrument through the
// machine value — were the workspace value used, the instrument would not be found.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

const SERVER = h.serverAvailable();
const needServer = SERVER ? false : 'SERVER: reml-run lsp is not available yet';

const RESOURCE = 'TCPIP0::sim-board::INSTR';
const sims = mkdtempSync(join(tmpdir(), 'reml-e2e-sims-'));
const fixture = readFileSync(join(h.repoRoot, 'fixtures', 'instruments', 'sim-devices.yaml'), 'utf8');
assert.match(fixture, /REML,SIM-BOARD,SN0001,1\.0/);
// The machine's description answers *IDN? with a reply no other file has.
const machineSim = join(sims, 'machine-sim.yaml');
writeFileSync(machineSim, fixture.replace('REML,SIM-BOARD,SN0001,1.0', 'REML,MACHINE-SETTING,SN0042,1.0'));
// The workspace's has no sim-board at all.
const workspaceSim = join(sims, 'workspace-sim.yaml');
writeFileSync(workspaceSim, fixture.replaceAll('sim-board', 'ws-only-board').replace('REML,SIM-BOARD,SN0001,1.0', 'REML,WORKSPACE-SETTING,SN0666,1.0'));

let cs;
let browser;
let page;

before(async () => {
  cs = await h.startCodeServer({
    settings: { 'reml.instrument.backend': `${machineSim}@sim` },
    workspaceSettings: { 'reml.instrument.backend': `${workspaceSim}@sim` },
  });
  browser = await h.launchBrowser();
  page = await h.openWorkbench(browser.context, cs.url);
});

after(async () => {
  await h.closeSession({ page, browser, cs }, 'instrument-backend');
  rmSync(sims, { recursive: true, force: true });
});

async function answerInput(value) {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 60_000 });
  await input.fill(value);
  await page.keyboard.press('Enter');
}

describe('reml.instrument.backend', () => {
  test('comes from the machine settings; the workspace value is ignored', { skip: needServer }, async () => {
    await h.openFile(page, 'broken.reml'); // activates the extension and starts the server
    const icon = page.locator('[id="reml-lsp.reml.reml.status"] .codicon').first();
    const started = Date.now();
    while (!/check/.test((await icon.getAttribute('class')) ?? '')) {
      assert.ok(Date.now() - started < 90_000, 'the server is running');
      await h.sleep(250);
    }
    await h.runCommand(page, 'Reml: Query Instrument');
    await answerInput(RESOURCE);
    await h.sleep(300); // the second box replaces the first
    await answerInput('*IDN?');
    const outcome = page.locator('.notifications-toasts .notification-toast', { hasText: /reml\.instrument\.query/ }).first();
    await outcome.waitFor({ state: 'visible', timeout: 120_000 });
    const text = (await outcome.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /reml\.instrument\.query: ok/, `the query went through the machine's backend: ${text}`);
    let output = '';
    const deadline = Date.now() + 30_000;
    while (!/MACHINE-SETTING/.test((output = h.remlOutputLog(cs)))) {
      assert.ok(Date.now() < deadline, 'the reply in the Reml output');
      await h.sleep(250);
    }
    assert.match(output, /REML,MACHINE-SETTING,SN0042,1\.0/);
    assert.ok(output.includes(`${machineSim}@sim`), 'the result names the machine backend');
    assert.doesNotMatch(output, /WORKSPACE-SETTING|workspace-sim\.yaml/);
    await h.screenshot(page, 'instrument-backend.png');
  });
});
