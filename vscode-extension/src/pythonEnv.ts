// Running the bundled language server (bundled/libs, built by scripts/bundle-python.mjs) with a
// Python interpreter found on the machine — the convention of Microsoft's Python tool extensions.
// Pure Node (no `vscode` import) so it can be unit-tested; src/python.ts adds the editor parts.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliCommand, which } from './util';

/** The oldest Python the server supports (pyproject.toml `requires-python`). */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

export interface PythonProbe {
  /** The interpreter as found (a path). */
  executable: string;
  /** Where it came from, for messages: "the Python extension", "python3 on PATH", … */
  origin: string;
  /** `[major, minor]`, or undefined when it did not run. */
  version?: [number, number];
  /** Why it cannot be used, when it cannot. */
  problem?: string;
}

/** `3.12` → [3, 12]; anything else → undefined. */
export function parseVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\s*$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function isSupported(version: readonly [number, number] | undefined): boolean {
  return !!version && (version[0] > MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] >= MIN_PYTHON[1]));
}

/** The folder of bundled pure-Python packages, when this build has one. */
export function bundledLibsIn(extensionPath: string): string | undefined {
  const libs = path.join(extensionPath, 'bundled', 'libs');
  return fs.existsSync(path.join(libs, 'reml_lsp', 'cli', 'main.py')) ? libs : undefined;
}

/** Runs `exe -c 'print version'` (10 s at most) and reports what it found. */
export function probePython(executable: string, origin: string): Promise<PythonProbe> {
  return new Promise((resolve) => {
    execFile(
      executable,
      ['-I', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      { timeout: 10_000, windowsHide: true },
      (err, stdout) => {
        const version = parseVersion(String(stdout ?? ''));
        if (err && !version) {
          resolve({ executable, origin, problem: `does not run (${err.message.split('\n')[0]})` });
        } else if (!isSupported(version)) {
          resolve({ executable, origin, version, problem: `is Python ${version?.join('.') ?? '?'}; ${MIN_PYTHON.join('.')} or newer is needed` });
        } else {
          resolve({ executable, origin, version });
        }
      },
    );
  });
}

/** Interpreters to try after the Python extension's: python3, python (and `py` on Windows). */
export function pathCandidates(envPath = process.env.PATH ?? ''): { executable: string; origin: string }[] {
  const out: { executable: string; origin: string }[] = [];
  const names = process.platform === 'win32' ? ['python', 'py', 'python3'] : ['python3', 'python'];
  for (const name of names) {
    const found = which(name, envPath);
    if (found && !out.some((c) => c.executable === found)) {
      out.push({ executable: found, origin: `${name} on PATH` });
    }
  }
  return out;
}

/** The first usable interpreter of `candidates`, in order, with every probe made on the way. */
export async function firstUsable(
  candidates: { executable: string; origin: string }[],
): Promise<{ found?: PythonProbe; tried: PythonProbe[] }> {
  const tried: PythonProbe[] = [];
  for (const c of candidates) {
    const probe = await probePython(c.executable, c.origin);
    tried.push(probe);
    if (!probe.problem) {
      return { found: probe, tried };
    }
  }
  return { tried };
}

/**
 * `python -m reml_lsp.cli.main` with the bundle first on PYTHONPATH. The server's own `reml-run`
 * subprocesses (runtime commands) inherit the variable, so they run the bundled code too.
 */
export function bundledCli(python: PythonProbe, libs: string, env: NodeJS.ProcessEnv = process.env): CliCommand {
  const existing = env.PYTHONPATH ? path.delimiter + env.PYTHONPATH : '';
  return {
    command: python.executable,
    prefix: ['-m', 'reml_lsp.cli.main'],
    source: `bundled server with ${python.executable} (Python ${python.version?.join('.')}, ${python.origin})`,
    env: { PYTHONPATH: libs + existing },
    bundled: true,
  };
}

/** One line per interpreter tried, for the notification and the output channel. */
export function describeTried(tried: PythonProbe[]): string {
  return tried.length ? tried.map((t) => `${t.executable} (${t.origin}) ${t.problem ?? 'ok'}`).join('; ') : 'no python3 or python on PATH';
}
