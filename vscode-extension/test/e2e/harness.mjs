// End-to-end harness: code-server (real VS Code 1.139 in the browser) on 127.0.0.1 and headless
// Chromium driven by playwright-core. Paths come from the environment (scripts/test.sh sets them):
//   REML_E2E_CODE_SERVER  code-server executable        REML_E2E_NODE24_BIN  folder with Node 24
//   REML_E2E_CHROMIUM     Chromium executable           REML_E2E_VSIX        the packaged extension
//   REML_E2E_REML_RUN     reml-run for reml.server.command
//   REML_E2E_ARTIFACTS    folder for screenshots (git-ignored test-artifacts/)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const extensionRoot = join(here, '..', '..');
export const repoRoot = join(extensionRoot, '..');

export const env = {
  codeServer: process.env.REML_E2E_CODE_SERVER ?? '',
  node24Bin: process.env.REML_E2E_NODE24_BIN ?? '',
  chromium: process.env.REML_E2E_CHROMIUM ?? '/usr/bin/chromium',
  vsix: process.env.REML_E2E_VSIX ?? join(extensionRoot, 'dist', 'reml.vsix'),
  remlRun: process.env.REML_E2E_REML_RUN ?? join(repoRoot, '.venv', 'bin', 'reml-run'),
  artifacts: process.env.REML_E2E_ARTIFACTS ?? join(repoRoot, 'test-artifacts'),
  verbose: process.env.REML_E2E_VERBOSE === '1',
};

/** True once `reml-run lsp` exists (the server is written by another team in parallel). */
export function serverAvailable() {
  if (!existsSync(env.remlRun)) {
    return false;
  }
  const r = spawnSync(env.remlRun, ['lsp', '--help'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) {
  if (env.verbose) {
    console.error('[e2e]', ...args);
  }
}

/**
 * Starts code-server with a fresh user-data dir, extensions dir and a copy of the fixture
 * workspace; installs the VSIX first. Returns { url, workspace, stop }.
 * `untrusted: true` turns Workspace Trust on and opens the folder in Restricted Mode (no
 * prompt); `workspaceSettings` become the folder's `.vscode/settings.json` before it opens.
 */
export async function startCodeServer({ settings = {}, untrusted = false, workspaceSettings = undefined } = {}) {
  if (!env.codeServer || !existsSync(env.codeServer)) {
    throw new Error(`code-server not found (REML_E2E_CODE_SERVER=${env.codeServer})`);
  }
  const base = mkdtempSync(join(tmpdir(), 'reml-e2e-'));
  const userData = join(base, 'user-data');
  const extensions = join(base, 'extensions');
  const workspace = join(base, 'workspace');
  const config = join(base, 'config.yaml');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  cpSync(join(here, 'workspace'), workspace, { recursive: true });
  if (workspaceSettings) {
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));
  }
  writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  // reml.server.* and reml.runtime.command are machine-overridable: in code-server (a remote
  // window) VS Code takes them from the remote machine's settings, not from User settings.
  const machineSettings = { 'reml.server.command': env.remlRun, ...settings };
  mkdirSync(join(userData, 'Machine'), { recursive: true });
  writeFileSync(join(userData, 'Machine', 'settings.json'), JSON.stringify(machineSettings, null, 2));
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'security.workspace.trust.enabled': untrusted,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'always',
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'git.enabled': false,
        'files.autoSave': 'off',
        'editor.minimap.enabled': false,
        'editor.hover.delay': 200,
        'editor.quickSuggestions': { other: false, comments: false, strings: false },
        'editor.acceptSuggestionOnEnter': 'off',
        'editor.lightbulb.enabled': 'on',
        'problems.autoReveal': true,
        'window.restoreWindows': 'none',
        'reml.trace.server': 'verbose',
        ...settings,
      },
      null,
      2,
    ),
  );

  const childEnv = { ...process.env, PATH: `${env.node24Bin}:${process.env.PATH}` };
  delete childEnv.VSCODE_IPC_HOOK_CLI;
  const common = [
    '--config', config,
    '--user-data-dir', userData,
    '--extensions-dir', extensions,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(untrusted ? [] : ['--disable-workspace-trust']),
  ];
  const install = spawnSync(env.codeServer, [...common, '--install-extension', env.vsix, '--force'], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0) {
    throw new Error(`--install-extension failed (${install.status}): ${install.stdout}\n${install.stderr}`);
  }
  log(install.stdout.trim());

  const port = await freePort();
  const proc = spawn(env.codeServer, [...common, '--bind-addr', `127.0.0.1:${port}`, workspace], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let serverLog = '';
  proc.stdout.on('data', (c) => (serverLog += c));
  proc.stderr.on('data', (c) => (serverLog += c));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`code-server did not start (exit ${proc.exitCode}):\n${serverLog}`);
    }
    await sleep(200);
  }
  log(`code-server on ${url}`);
  return {
    url,
    base,
    workspace,
    userData,
    log: () => serverLog,
    async stop() {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await sleep(300);
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with a fresh profile, the flags the issue lists. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'reml-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the workbench and waits until the Explorer shows the workspace. */
export async function openWorkbench(context, url) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

/** Opens a file by clicking it in the Explorer (Quick Open's Enter raced in code-server). */
export async function openFile(page, name) {
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"], .explorer-folders-view .monaco-list-row:has(.label-name:text-is("${name}"))`).first();
  // The mouse rests where the last click was; once the Explorer re-sorts, it rests on another
  // row, whose path hover can cover the row to click: move it away until the hover is gone.
  await page.mouse.move(0, 0);
  await page.locator('.context-view .hover-contents').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  await row.click();
  const tab = page.locator(`.tabs-container .tab[aria-label*="${name}"], .tabs-container .tab:has(.label-name:text-is("${name}"))`).first();
  await tab.waitFor({ state: 'visible' });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ state: 'visible' });
  // Wait for the text to render.
  await page.locator('.editor-instance .view-lines .view-line').first().waitFor({ state: 'visible' });
  return editor;
}

/** Runs a command from the command palette by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/** Moves the caret to (1-based) line/column with Go to Line. */
export async function gotoLine(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Text of the Reml status bar item. */
export async function statusText(page) {
  const item = page.locator('.statusbar-item', { hasText: 'Reml' }).first();
  await item.waitFor({ state: 'visible', timeout: 60_000 });
  return (await item.innerText()).trim();
}

/** Rows of the Problems panel (opens it first). */
export async function problems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible' });
  }
  return panel.locator('.monaco-list-row');
}

export async function screenshot(page, name) {
  mkdirSync(env.artifacts, { recursive: true });
  const file = join(env.artifacts, name);
  await page.screenshot({ path: file });
  return file;
}

/** Output-channel log files of code-server (what "Show Output" shows) whose file name passes
 * `wanted`, read newest first. */
export function outputLogs(cs, wanted) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else if (wanted(entry.name)) {
        found.push(p);
      }
    }
  };
  walk(join(cs.userData, 'logs'));
  found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found.map((f) => readFileSync(f, 'utf8'));
}

/** The Reml output channel's log, all sessions joined, newest first. */
export function remlOutputLog(cs) {
  return outputLogs(cs, (name) => /(^|-)Reml\.log$/.test(name)).join('\n');
}

/** Polls `fn` every 250 ms until it returns something truthy (returned); past `timeout` a
 * screenshot named `${prefix}timeout-<what>.png` is taken and the wait fails. */
export async function waitFor(page, fn, what, { timeout = 30_000, prefix = '' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      await screenshot(page, `${prefix}timeout-${what.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.png`).catch(() => {});
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(250);
  }
}

/** A test file's `after`: a screenshot `${name}-failure.png` when a test failed, then the browser
 * and code-server are closed. */
export async function closeSession({ page, browser, cs }, name) {
  if (page && process.exitCode) {
    await screenshot(page, `${name}-failure.png`).catch(() => {});
  }
  await browser?.close();
  await cs?.stop();
}

export { sleep };
