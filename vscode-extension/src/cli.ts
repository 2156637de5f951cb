// Runs `reml-run` (the command line peer of the server) for the operations that do not go through
// the language server: lint of a whole workspace folder and `audit show`.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { CliCommand, codePointsToUtf16 } from './util';

export { collectLintFindings, EXIT_LABELS } from './util';
export type { LintFinding } from './util';

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON (every `--format json` command prints one object). */
  json: unknown;
  timedOut: boolean;
}

export function runCli(
  cli: CliCommand,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; token?: vscode.CancellationToken; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.command, [...cli.prefix, ...args], {
      cwd: options.cwd,
      env: { ...process.env, PYTHONSAFEPATH: '1', ...cli.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, options.timeoutMs ?? 120_000);
    const sub = options.token?.onCancellationRequested(() => child.kill());
    child.on('error', (err) => {
      clearTimeout(timer);
      sub?.dispose();
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      sub?.dispose();
      let json: unknown = undefined;
      const text = stdout.trim();
      if (text.startsWith('{') || text.startsWith('[')) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      resolve({ exitCode: code, stdout, stderr, json, timedOut });
    });
  });
}

export function severityOf(value: unknown): vscode.DiagnosticSeverity {
  switch (String(value).toLowerCase()) {
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'info':
    case 'information':
    case 'note':
      return vscode.DiagnosticSeverity.Information;
    case 'hint':
      return vscode.DiagnosticSeverity.Hint;
    default:
      return vscode.DiagnosticSeverity.Error;
  }
}

/** `location` is 1-based lines and code-point columns (`endLine`/`endColumn`, or snake_case); VS Code wants UTF-16 columns. */
export function rangeOf(diag: Record<string, unknown>, lineText: (line: number) => string | undefined): vscode.Range {
  const loc = (diag.location ?? {}) as Record<string, number | undefined>;
  const startLine = loc.line ?? 1;
  const startCol = loc.column ?? 1;
  const endLine1 = loc.endLine ?? loc.end_line ?? startLine;
  const endCol1 = loc.endColumn ?? loc.end_column ?? startCol;
  const line = Math.max(0, startLine - 1);
  const endLine = Math.max(line, endLine1 - 1);
  const col = codePointsToUtf16(lineText(line), Math.max(0, startCol - 1));
  const endCol = codePointsToUtf16(lineText(endLine), Math.max(0, endCol1 - 1));
  const end = endLine === line && endCol <= col ? col + 1 : endCol;
  return new vscode.Range(line, col, endLine, end);
}
