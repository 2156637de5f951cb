// Every scope name the TextMate grammar can emit must be exercised by at least one grammar test
// (test/grammar/*.test.reml assertions) or snapshot (test/grammar/snap/*.snap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const grammar = JSON.parse(readFileSync(join(root, '..', 'grammars', 'reml.tmLanguage.json'), 'utf8'));

function collectScopes(node, out) {
  if (Array.isArray(node)) {
    node.forEach((n) => collectScopes(n, out));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'name' || key === 'contentName') && typeof value === 'string') {
        value.split(/\s+/).forEach((s) => out.add(s));
      } else {
        collectScopes(value, out);
      }
    }
  }
  return out;
}

test('grammar scope name is source.reml', () => {
  assert.equal(grammar.scopeName, 'source.reml');
});

test('every grammar scope is covered by a grammar test or snapshot', () => {
  const scopes = collectScopes(grammar.repository, new Set());
  grammar.patterns.forEach((p) => collectScopes(p, scopes));
  scopes.delete('Reml');
  const dir = join(root, 'test', 'grammar');
  const texts = [];
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.test.reml')) {
      texts.push(readFileSync(join(dir, f), 'utf8'));
    }
  }
  for (const f of readdirSync(join(dir, 'snap'))) {
    if (f.endsWith('.snap')) {
      texts.push(readFileSync(join(dir, 'snap', f), 'utf8'));
    }
  }
  const all = texts.join('\n');
  const missing = [...scopes].filter((s) => !new RegExp(`(^|\\s)${s.replace(/\./g, '\\.')}(\\s|$)`, 'm').test(all));
  assert.deepEqual(missing, [], `scopes with no test: ${missing.join(', ')}`);
});
