// Unit tests of src/util.ts (the helpers with no `vscode` import), bundled on the fly by esbuild.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(mkdtempSync(join(tmpdir(), 'reml-unit-')), 'util.mjs');
await esbuild.build({ entryPoints: [join(root, 'src', 'util.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent' });
const u = await import(pathToFileURL(out).href);

const base = { serverCommand: '', pythonPath: '', serverArgs: [], runtimeCommand: '', locale: '' };

function fakeExecutable(dir, name) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

test('server argv: reml-run lsp --stdio plus extra args', () => {
  const cli = { command: '/x/reml-run', prefix: [], source: 't' };
  assert.deepEqual(u.serverArgv(cli, { ...base, serverArgs: ['--log-level', 'debug'] }), ['lsp', '--stdio', '--log-level', 'debug']);
  const py = { command: '/usr/bin/python3', prefix: ['-m', 'reml_lsp.cli.main'], source: 't' };
  assert.deepEqual(u.serverArgv(py, base), ['-m', 'reml_lsp.cli.main', 'lsp', '--stdio']);
});

test('resolveCli: setting, python, PATH, workspace venv only when trusted', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'reml-resolve-'));
  const explicit = u.resolveCli({ ...base, serverCommand: '${workspaceFolder}/bin/reml-run' }, [tmp], false);
  assert.equal(explicit.command, `${tmp}/bin/reml-run`);
  assert.deepEqual(explicit.prefix, []);
  const py = u.resolveCli({ ...base, pythonPath: '/opt/py/bin/python' }, [tmp], false);
  assert.deepEqual(py.prefix, ['-m', 'reml_lsp.cli.main']);
  const venv = fakeExecutable(join(tmp, '.venv', 'bin'), 'reml-run');
  const savedPath = process.env.PATH;
  process.env.PATH = join(tmp, 'empty');
  try {
    assert.equal(u.resolveCli(base, [tmp], true)?.command, venv);
    assert.notEqual(u.resolveCli(base, [tmp], false)?.command, venv, 'an untrusted workspace never runs its own binaries');
    const onPath = fakeExecutable(join(tmp, 'pathbin'), 'reml-run');
    process.env.PATH = join(tmp, 'pathbin');
    assert.equal(u.resolveCli(base, [tmp], true)?.command, onPath);
  } finally {
    process.env.PATH = savedPath;
  }
});

test('expandPath: ~, ${userHome}, ${env:X}', () => {
  process.env.REML_UNIT_X = '/from/env';
  assert.equal(u.expandPath('${env:REML_UNIT_X}/reml-run'), '/from/env/reml-run');
  assert.ok(!u.expandPath('~/bin/reml-run').startsWith('~'));
  assert.ok(!u.expandPath('${userHome}/bin').includes('${'));
});

test('stream_meta formatting for the status bar', () => {
  assert.equal(u.formatStreamMeta({ resume_count: 3, lag_nanos: 1_250_000 }), 'resume 3 · lag 1.3 ms');
  assert.equal(u.formatStreamMeta({ resume_count: 0 }), 'resume 0');
  assert.equal(u.formatStreamMeta({}), '');
  assert.equal(u.formatNanos(512), '512 ns');
  assert.equal(u.formatNanos(2_500), '2.5 µs');
  assert.equal(u.formatNanos(3_000_000_000), '3.00 s');
});

test('statusOf reads result.status (reload) before status', () => {
  assert.equal(u.statusOf({ status: 'ok', result: { status: 'dry-run' } }), 'dry-run');
  assert.equal(u.statusOf({ status: 'error', error: { code: 'x' } }), 'error');
  assert.equal(u.statusOf('nope'), undefined);
});

test('collectLintFindings finds diagnostics at any nesting', () => {
  const report = {
    command: 'lint',
    files: [
      { path: 'a.reml', diagnostics: [{ code: 'parser.unexpected_eof', location: { line: 1, column: 2 } }] },
      { path: 'b.reml', diagnostics: [] },
    ],
    diagnostics: [{ code: 'parser.syntax.expected_tokens', location: { file: 'c.reml', line: 3, column: 1 } }],
  };
  const found = u.collectLintFindings(report);
  assert.deepEqual(found.map((f) => [f.file, f.diagnostic.code]).sort(), [
    ['a.reml', 'parser.unexpected_eof'],
    ['c.reml', 'parser.syntax.expected_tokens'],
  ]);
});

test('code points to UTF-16 columns', () => {
  assert.equal(u.codePointsToUtf16('a😀b', 2), 3);
  assert.equal(u.codePointsToUtf16('abc', 5), 5);
  assert.equal(u.codePointsToUtf16(undefined, 4), 4);
});

test('exit code labels follow the README table', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 70].map((c) => u.EXIT_LABELS[c]), [
    'success', 'failure', 'warning', 'usage', 'io', 'rejected', 'unavailable', 'timeout', 'internal',
  ]);
});

test('serverSettings drops client-only keys and empty values', () => {
  const raw = {
    server: { command: '/x', pythonPath: '', args: [] },
    trace: { server: 'verbose' },
    runtime: { command: '', timeoutSeconds: 120, audit: true },
    language: { locale: '' },
    backpressure: { debounceMs: 0, maxLagMs: 50 },
    audit: { database: '' },
  };
  assert.deepEqual(u.serverSettings(raw), {
    runtime: { timeoutSeconds: 120, audit: true },
    language: {},
    backpressure: { debounceMs: 0, maxLagMs: 50 },
    audit: {},
  });
  assert.deepEqual(u.serverSettings({ runtime: { command: 'ssh lab reml-run' }, language: { locale: 'ja-JP' } }), {
    runtime: { command: 'ssh lab reml-run' },
    language: { locale: 'ja-JP' },
  });
  assert.deepEqual(u.serverSettings(undefined), {});
});
