// Reading the `reml.*` settings and turning them into the commands that start the language server
// and the `reml-run` command line. No VS Code UI here, so this module is easy to reason about.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const SECTION = 'reml';

/** How `reml-run` is invoked: `command ...prefix <subcommand> ...`. */
export interface CliCommand {
  command: string;
  /** Arguments before the subcommand, e.g. `['-m', 'reml_lsp.cli.main']` for a Python interpreter. */
  prefix: string[];
  /** Human-readable origin, shown in the output channel. */
  source: string;
}

export interface RemlSettings {
  serverCommand: string;
  pythonPath: string;
  serverArgs: string[];
  runtimeCommand: string;
  locale: string;
}

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

/** Settings whose change needs a server restart. */
export const RESTART_KEYS = [
  'reml.server.command',
  'reml.server.pythonPath',
  'reml.server.args',
  'reml.runtime.command',
  'reml.language.locale',
];

/** `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in path settings. */
export function expandPath(value: string, folder?: string): string {
  let out = value.replace(/\$\{userHome\}/g, os.homedir());
  out = out.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => process.env[name] ?? '');
  if (folder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (out === '~' || out.startsWith('~/')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  return out;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Looks a bare program name up on PATH (PATHEXT on Windows). */
export function which(program: string, envPath = process.env.PATH ?? ''): string | undefined {
  if (program.includes('/') || program.includes('\\')) {
    return isExecutable(program) ? program : undefined;
  }
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, program + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * Finds `reml-run`, in this order:
 * 1. `reml.server.command` (a path or a program name on PATH),
 * 2. `reml.server.pythonPath` with `-m reml_lsp.cli.main`,
 * 3. `reml-run` on PATH,
 * 4. in a trusted workspace, `.venv/bin/reml-run` inside a workspace folder,
 * 5. `python3` on PATH with `-m reml_lsp.cli.main`.
 */
export function resolveCli(settings: RemlSettings, folders: readonly string[], trusted: boolean): CliCommand | undefined {
  const folder = folders[0];
  if (settings.serverCommand) {
    const expanded = expandPath(settings.serverCommand, folder);
    return { command: which(expanded) ?? expanded, prefix: [], source: 'setting reml.server.command' };
  }
  if (settings.pythonPath) {
    const expanded = expandPath(settings.pythonPath, folder);
    return {
      command: which(expanded) ?? expanded,
      prefix: ['-m', 'reml_lsp.cli.main'],
      source: 'setting reml.server.pythonPath',
    };
  }
  const onPath = which('reml-run');
  if (onPath) {
    return { command: onPath, prefix: [], source: 'reml-run on PATH' };
  }
  if (trusted) {
    const bin = process.platform === 'win32' ? path.join('.venv', 'Scripts', 'reml-run.exe') : path.join('.venv', 'bin', 'reml-run');
    for (const f of folders) {
      const candidate = path.join(f, bin);
      if (isExecutable(candidate)) {
        return { command: candidate, prefix: [], source: `workspace virtual environment (${candidate})` };
      }
    }
  }
  const python = which('python3') ?? which('python');
  if (python) {
    return { command: python, prefix: ['-m', 'reml_lsp.cli.main'], source: `${python} -m reml_lsp.cli.main` };
  }
  return undefined;
}

/** The full argv that starts the language server. */
export function serverArgv(cli: CliCommand, settings: RemlSettings): string[] {
  return [...cli.prefix, 'lsp', '--stdio', ...settings.serverArgs];
}

/** What the server receives in `initializationOptions` (and again on didChangeConfiguration). */
export function initializationOptions(settings: RemlSettings, cli: CliCommand | undefined): Record<string, unknown> {
  const runtimeCommand = settings.runtimeCommand || (cli ? [cli.command, ...cli.prefix].join(' ') : undefined);
  return {
    locale: settings.locale || undefined,
    i18n: { locale: settings.locale || undefined },
    runtimeCommand,
    runtime: { command: runtimeCommand },
    client: { name: 'vscode-reml', uiLanguage: vscode.env.language },
  };
}
