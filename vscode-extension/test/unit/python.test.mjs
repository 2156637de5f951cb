// Unit tests of src/pythonEnv.ts (finding a Python >= 3.11 for the bundled server), bundled on
// the fly by esbuild; fake interpreters are shell scripts that print a version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(mkdtempSync(join(tmpdir(), 'reml-unit-')), 'pythonEnv.mjs');
await esbuild.build({ entryPoints: [join(root, 'src', 'pythonEnv.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent' });
const p = await import(pathToFileURL(out).href);

function fakePython(dir, name, body) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

test('versions: 3.11 and newer are supported, older and garbage are not', () => {
  assert.deepEqual(p.parseVersion('3.12\n'), [3, 12]);
  assert.equal(p.parseVersion('Python 3.12'), undefined);
  assert.ok(p.isSupported([3, 11]) && p.isSupported([3, 13]) && p.isSupported([4, 0]));
  assert.ok(!p.isSupported([3, 10]) && !p.isSupported([2, 7]) && !p.isSupported(undefined));
});

test('the first usable interpreter wins; every one tried is reported with its problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reml-py-'));
  const old = fakePython(dir, 'old', 'echo 3.10');
  const broken = fakePython(dir, 'broken', 'echo boom >&2; exit 3');
  const good = fakePython(dir, 'good', 'echo 3.12');
  const later = fakePython(dir, 'later', 'echo 3.13');
  const { found, tried } = await p.firstUsable([
    { executable: old, origin: 'a' },
    { executable: join(dir, 'missing'), origin: 'b' },
    { executable: broken, origin: 'c' },
    { executable: good, origin: 'd' },
    { executable: later, origin: 'e' },
  ]);
  assert.equal(found.executable, good);
  assert.deepEqual(found.version, [3, 12]);
  assert.equal(tried.length, 4, 'stops at the first usable one');
  assert.match(tried[0].problem, /3\.10; 3\.11 or newer is needed/);
  assert.match(tried[1].problem, /does not run/);
  assert.match(tried[2].problem, /does not run/);
  assert.match(p.describeTried(tried), /old \(a\) is Python 3\.10/);
  const none = await p.firstUsable([{ executable: old, origin: 'a' }]);
  assert.equal(none.found, undefined);
});

test('PATH candidates: python3 before python, each once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reml-path-'));
  const py3 = fakePython(join(dir, 'a'), 'python3', 'echo 3.12');
  const py = fakePython(join(dir, 'b'), 'python', 'echo 3.12');
  const c = p.pathCandidates([join(dir, 'b'), join(dir, 'a')].join(delimiter));
  assert.deepEqual(c.map((x) => x.executable), [py3, py]);
  assert.deepEqual(p.pathCandidates(join(dir, 'nothing')), []);
});

test('the bundled command puts bundled/libs first on PYTHONPATH', () => {
  const ext = mkdtempSync(join(tmpdir(), 'reml-ext-'));
  assert.equal(p.bundledLibsIn(ext), undefined, 'a development build has no bundle');
  const libs = join(ext, 'bundled', 'libs');
  mkdirSync(join(libs, 'reml_lsp', 'cli'), { recursive: true });
  writeFileSync(join(libs, 'reml_lsp', 'cli', 'main.py'), '');
  assert.equal(p.bundledLibsIn(ext), libs);
  const probe = { executable: '/usr/bin/python3', origin: 'python3 on PATH', version: [3, 12] };
  const cli = p.bundledCli(probe, libs, { PYTHONPATH: '/mine' });
  assert.equal(cli.command, '/usr/bin/python3');
  assert.deepEqual(cli.prefix, ['-m', 'reml_lsp.cli.main']);
  assert.equal(cli.env.PYTHONPATH, `${libs}${delimiter}/mine`);
  assert.ok(cli.bundled);
  assert.equal(p.bundledCli(probe, libs, {}).env.PYTHONPATH, libs);
});
