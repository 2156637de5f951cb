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

const base = { serverCommand: '', pythonPath: '', serverArgs: [] };

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

test('stream_meta comes from data.extensions["reml.stream_meta"], else data.stream_meta', () => {
  const own = { resume_count: 2, lag_nanos: 10 };
  assert.deepEqual(u.streamMetaOf(u.dataOf({ data: { extensions: { 'reml.stream_meta': own }, stream_meta: { consumed: 1 } } })), own);
  assert.deepEqual(u.streamMetaOf(u.dataOf({ data: { stream_meta: own } })), own);
  assert.equal(u.streamMetaOf(u.dataOf({ data: 'not an object' })), undefined);
  assert.equal(u.streamMetaOf(u.dataOf({})), undefined);
});

test('serverSettings drops empty values so the server keeps its defaults', () => {
  const raw = {
    server: { command: '/x', pythonPath: '', args: [] },
    runtime: { command: '', timeoutSeconds: 120, audit: true },
    language: { locale: '' },
    backpressure: { debounceMs: 0, maxLagMs: 50 },
    audit: { database: null },
  };
  assert.deepEqual(u.serverSettings(raw), {
    server: { command: '/x' },
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
