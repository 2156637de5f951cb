// Unit tests of src/configSelector.ts (the client's document selector), bundled on the fly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(mkdtempSync(join(tmpdir(), 'reml-unit-')), 'configSelector.mjs');
await esbuild.build({ entryPoints: [join(root, 'src', 'configSelector.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent' });
const s = await import(pathToFileURL(out).href);

test('every reml.toml is selected by pattern, not by a TOML language id', () => {
  const filters = s.documentSelector([]);
  assert.deepEqual(filters, [
    { scheme: 'file', language: 'reml' },
    { scheme: 'untitled', language: 'reml' },
    { scheme: 'file', pattern: '**/reml.toml' },
  ]);
  assert.ok(!filters.some((f) => f.language === 'toml'));
});

test('the [config.schemas] globs of each folder are selected under that folder', () => {
  const manifest = [
    '[project]',
    'name = "app"  # "x/*.toml" = "no.json" is not in the table',
    '',
    '[config.schemas]',
    '"conf/*.toml" = "schemas/app.schema.json"',
    "'deploy/*.json' = 'schemas/deploy.schema.json'",
    'bare = "s.json"',
    '"../outside/*.toml" = "s.json"',
    '"/etc/*.toml" = "s.json"',
    '',
    '[ config . other ]',
    '"later/*.toml" = "s.json"',
  ].join('\n');
  assert.deepEqual(s.schemaGlobs(manifest), ['conf/*.toml', 'deploy/*.json', 'bare']);
  const filters = s.documentSelector([{ path: '/w/a/', manifest }, { path: '/w/b', manifest: undefined }]);
  assert.deepEqual(filters.slice(3), [
    { scheme: 'file', pattern: '/w/a/conf/*.toml' },
    { scheme: 'file', pattern: '/w/a/deploy/*.json' },
    { scheme: 'file', pattern: '/w/a/bare' },
  ]);
});

test('a manifest with CRLF line ends and an escaped key still yields its globs', () => {
  assert.deepEqual(s.schemaGlobs('[config.schemas]\r\n"a\\u002fb.toml" = "s.json"\r\n'), ['a/b.toml']);
  assert.deepEqual(s.schemaGlobs(''), []);
});
