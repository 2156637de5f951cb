// Reading the `reml.*` settings. The pure parts (finding `reml-run`, argv) live in util.ts.
import * as vscode from 'vscode';
import { CliCommand, RemlSettings, serverSettings } from './util';

export { RESTART_KEYS, resolveCli, serverArgv } from './util';
export type { CliCommand, RemlSettings } from './util';

export const SECTION = 'reml';

export function readSettings(scope?: vscode.ConfigurationScope): RemlSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    serverCommand: c.get<string>('server.command', '').trim(),
    pythonPath: c.get<string>('server.pythonPath', '').trim(),
    serverArgs: c.get<string[]>('server.args', []).filter((a) => typeof a === 'string'),
    runtimeCommand: c.get<string>('runtime.command', '').trim(),
    locale: c.get<string>('language.locale', '').trim(),
  };
}

/** What the server receives in `initializationOptions` (and again on didChangeConfiguration). */
export function initializationOptions(settings: RemlSettings, cli: CliCommand | undefined): Record<string, unknown> {
  // Empty: the server runs its own interpreter's `-m reml_lsp.cli.main`.
  const runtimeCommand = settings.runtimeCommand || undefined;
  return {
    settings: serverSettings(vscode.workspace.getConfiguration().get(SECTION)),
    locale: settings.locale || undefined,
    i18n: { locale: settings.locale || undefined },
    runtimeCommand,
    runtime: { command: runtimeCommand },
    client: { name: 'vscode-reml', uiLanguage: vscode.env.language, remlRun: cli ? [cli.command, ...cli.prefix] : undefined },
  };
}
