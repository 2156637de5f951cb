// Generate (or --check) vscode-extension/src/generated/runtimeResults.ts from
// schemas/runtime-results.schema.json with json-schema-to-typescript (a devDependency of the
// extension). Usage: node scripts/gen_runtime_types.mjs [--check]
// The schema itself is generated from the attrs classes: python scripts/gen_runtime_schema.py.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'vscode-extension', 'package.json'));
const { compile } = require('json-schema-to-typescript');

const schemaPath = join(root, 'schemas', 'runtime-results.schema.json');
const out = join(root, 'vscode-extension', 'src', 'generated', 'runtimeResults.ts');
const banner = `/* Generated from schemas/runtime-results.schema.json by scripts/gen_runtime_types.mjs
 * (json-schema-to-typescript); the schema is generated from server/reml_lsp/contract/results.py.
 * Do not edit: change the attrs classes, then run
 *   .venv/bin/python scripts/gen_runtime_schema.py && node scripts/gen_runtime_types.mjs */`;

const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
const text = await compile(schema, 'RuntimeResults', {
  bannerComment: banner,
  additionalProperties: false,
  unreachableDefinitions: true,
  style: { singleQuote: true, printWidth: 100 },
  cwd: dirname(schemaPath),
});
const rel = relative(root, out);
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(out, 'utf8'); } catch { /* missing: out of date */ }
  if (current !== text) {
    process.stderr.write(`${rel} is out of date: run node scripts/gen_runtime_types.mjs\n`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`wrote ${rel}`);
}
