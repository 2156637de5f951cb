// Pure helpers (no `vscode` import) so they can be unit-tested with plain Node.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** How `reml-run` is invoked: `command ...prefix <subcommand> ...`. */
export interface CliCommand {
  command: string;
  /** Arguments before the subcommand, e.g. `['-m', 'reml_lsp.cli.main']` for a Python interpreter. */
  prefix: string[];
  /** Human-readable origin, shown in the output channel. */
  source: string;
  /** Extra environment (the bundled server's PYTHONPATH). */
  env?: Record<string, string>;
  /** The server bundled in the VSIX, run by an interpreter found on the machine. */
  bundled?: boolean;
  /** A guess (`python3 -m reml_lsp.cli.main`): the bundled server is preferred to it. */
  fallback?: boolean;
}

export interface RemlSettings {
  serverCommand: string;
  pythonPath: string;
  serverArgs: string[];
}

/** Settings whose change needs a server restart (the others reach it by didChangeConfiguration). */
export const RESTART_KEYS = ['reml.server.command', 'reml.server.pythonPath', 'reml.server.args'];

/**
 * The `reml` section as the server should see it (workspace/configuration, initializationOptions):
 * VS Code answers every key with its default, so empty strings, nulls and empty lists are dropped
 * and the server keeps its own defaults (it reports a bad value, and an empty `runtime.command` is
 * one). Client-only keys (`server.*`, `trace.*`) pass through: the server ignores keys it does not
 * know.
 */
export function serverSettings(section: unknown): Record<string, unknown> {
  const clean = (value: unknown): unknown => {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      return value;
    }
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, clean(v)]);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  };
  const result = clean(section);
  return result && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
}

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
 * 5. `python3` on PATH with `-m reml_lsp.cli.main` (a fallback: the client first tries the
 *    server bundled in the VSIX with a Python >= 3.11 it finds, src/python.ts).
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
    return { command: python, prefix: ['-m', 'reml_lsp.cli.main'], source: `${python} -m reml_lsp.cli.main`, fallback: true };
  }
  return undefined;
}

/** The full argv that starts the language server. */
export function serverArgv(cli: CliCommand, settings: RemlSettings): string[] {
  return [...cli.prefix, 'lsp', '--stdio', ...settings.serverArgs];
}

export interface StreamMeta {
  consumed_bytes?: number;
  resume_count?: number;
  lag_nanos?: number | null;
  buffer_fill_ratio?: number | null;
  memo_bytes?: number | null;
}

/** `3 resumes · lag 1.2 ms` */
export function formatStreamMeta(meta: StreamMeta): string {
  const parts: string[] = [];
  if (typeof meta.resume_count === 'number') {
    parts.push(`resume ${meta.resume_count}`);
  }
  if (typeof meta.lag_nanos === 'number') {
    parts.push(`lag ${formatNanos(meta.lag_nanos)}`);
  }
  return parts.join(' · ');
}

export function formatNanos(ns: number): string {
  if (ns < 1_000) {
    return `${ns} ns`;
  }
  if (ns < 1_000_000) {
    return `${(ns / 1_000).toFixed(1)} µs`;
  }
  if (ns < 1_000_000_000) {
    return `${(ns / 1_000_000).toFixed(1)} ms`;
  }
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

/** `Diagnostic.data` as the server sends it (a Reml Diagnostic V2 object; see docs/lsp.md). */
export interface RemlDiagnosticData {
  audit_id?: string;
  stream_meta?: StreamMeta | null;
  extensions?: Record<string, unknown>;
  [key: string]: unknown;
}

/** vscode-languageclient keeps the LSP `data` on the diagnostic it hands to VS Code. */
export function dataOf(diagnostic: object): RemlDiagnosticData | undefined {
  const data = (diagnostic as { data?: unknown }).data;
  return isPlainObject(data) ? (data as RemlDiagnosticData) : undefined;
}

/** The server's own stream counters: `data.extensions["reml.stream_meta"]` (the V2
 * `stream_meta` has another shape), else an older server's `data.stream_meta`. */
export function streamMetaOf(data: RemlDiagnosticData | undefined): StreamMeta | undefined {
  const meta = data?.extensions?.['reml.stream_meta'] ?? data?.stream_meta;
  return isPlainObject(meta) ? (meta as StreamMeta) : undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
