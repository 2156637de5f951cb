// Reading the `reml.*` settings. The pure parts (finding `reml-run`, argv) live in util.ts.
import * as vscode from 'vscode';
import { RemlSettings, serverSettings } from './util';

export { RESTART_KEYS, resolveCli, serverArgv } from './util';
export type { CliCommand, RemlSettings } from './util';

export const SECTION = 'reml';

/** The settings that say how to start the server (the rest is the server's, below). */
export function readSettings(scope?: vscode.ConfigurationScope): RemlSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    serverCommand: c.get<string>('server.command', '').trim(),
    pythonPath: c.get<string>('server.pythonPath', '').trim(),
    serverArgs: c.get<string[]>('server.args', []).filter((a) => typeof a === 'string'),
  };
}

/**
 * `initializationOptions`: only what the server reads there (lsp/server.py `on_initialize`): the
 * `reml` section as `settings`, so the first analysis already has the locale and the limits
 * before the server pulls them with workspace/configuration. The display language arrives as
 * `initialize.locale` (vscode-languageclient sends it).
 */
export function initializationOptions(): { settings: Record<string, unknown> } {
  return { settings: serverSettings(vscode.workspace.getConfiguration().get(SECTION)) };
}

/** Opens the Settings editor on the reml.server.* settings. They are machine-overridable: in a
 * remote window (SSH, WSL, containers, code-server) they are read from the Remote settings, and
 * the User tab would show "No Settings Found", so the Remote tab is opened there. */
export function openServerSettings(): Thenable<unknown> {
  const query = `${SECTION}.server`;
  return vscode.env.remoteName
    ? vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query }) // takes no plain string
    : vscode.commands.executeCommand('workbench.action.openSettings', query);
}
