// package.json contributions and language-configuration.json, checked without VS Code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const conf = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8'));
const re = (v) => (typeof v === 'string' ? new RegExp(v) : new RegExp(v.pattern, v.flags ?? ''));

test('activation events are explicit', () => {
  assert.deepEqual(pkg.activationEvents, ['onLanguage:reml', 'workspaceContains:**/*.reml', 'workspaceContains:**/reml.toml']);
});

test('the reml language, grammar and configuration are contributed', () => {
  const lang = pkg.contributes.languages.find((l) => l.id === 'reml');
  assert.deepEqual(lang.extensions, ['.reml']);
  assert.equal(lang.configuration, './language-configuration.json');
  const grammar = pkg.contributes.grammars.find((g) => g.language === 'reml');
  assert.equal(grammar.scopeName, 'source.reml');
  assert.equal(grammar.path, './syntaxes/reml.tmLanguage.json');
});

test('every setting has a scope and a description; executable, audit database and VISA library paths are restricted', () => {
  const props = pkg.contributes.configuration.properties;
  for (const key of ['reml.server.command', 'reml.server.pythonPath', 'reml.server.args', 'reml.runtime.command', 'reml.language.locale', 'reml.trace.server']) {
    assert.ok(props[key], `${key} contributed`);
    assert.ok(props[key].scope, `${key} has a scope`);
    assert.ok(props[key].markdownDescription || props[key].description, `${key} has a description`);
  }
  const untrusted = pkg.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  for (const key of ['reml.server.command', 'reml.server.pythonPath', 'reml.server.args', 'reml.runtime.command', 'reml.audit.database', 'reml.instrument.backend']) {
    assert.ok(untrusted.restrictedConfigurations.includes(key), `${key} restricted`);
  }
});

test('every command is contributed with the Reml category: the extension registers its own, the server the rest', () => {
  const src = readFileSync(join(root, 'src', 'commands.ts'), 'utf8');
  const idsIn = (name) => {
    const body = new RegExp(`export const ${name} = \\{([^}]*)\\}`).exec(src)?.[1] ?? '';
    return new Set([...body.matchAll(/'(reml\.[A-Za-z.]+)'/g)].map((m) => m[1]));
  };
  const local = idsIn('LOCAL_COMMANDS');
  const server = idsIn('SERVER_COMMANDS');
  assert.ok(local.size >= 2 && server.size >= 7);
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'Reml');
    assert.ok(local.has(c.command) !== server.has(c.command), `${c.command}: the extension's or the server's`);
  }
  // vscode-languageclient registers the server's commands itself: registering one too would stop
  // the client. Only the local ones are registered here.
  const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(root, 'src', f), 'utf8'));
  const registered = sources.flatMap((text) => [...text.matchAll(/registerCommand\(([^,]+),/g)].map((m) => m[1].trim()));
  assert.deepEqual(registered, ['LOCAL_COMMANDS.restartServer', 'LOCAL_COMMANDS.showOutput']);
  // In the palette and the menus a server command shows only while the server runs.
  const menus = Object.values(pkg.contributes.menus).flat();
  for (const m of menus.filter((m) => server.has(m.command))) {
    assert.match(m.when, /\breml\.serverRunning\b/, `${m.command} hidden without a server`);
  }
});

test('language configuration: comments, brackets, """ pairs, folding, indentation', () => {
  assert.equal(conf.comments.lineComment, '//');
  assert.deepEqual(conf.comments.blockComment, ['/*', '*/']);
  assert.ok(conf.autoClosingPairs.some((p) => p.open === '"""' && p.close === '"""'));
  assert.ok(conf.surroundingPairs.some(([o, c]) => o === '"""' && c === '"""'));
  assert.ok(re(conf.folding.markers.start).test('// #region setup'));
  assert.ok(re(conf.folding.markers.end).test('  // #endregion'));
  const inc = re(conf.indentationRules.increaseIndentPattern);
  const dec = re(conf.indentationRules.decreaseIndentPattern);
  for (const line of ['fn main() -> Int {', 'let x = match v with', 'let y =', '  foo(', '  [']) {
    assert.ok(inc.test(line), `indent after: ${line}`);
  }
  for (const line of ['let x = 1', '// a comment {', 'x + y']) {
    assert.ok(!inc.test(line), `no indent after: ${line}`);
  }
  assert.ok(dec.test('  }'));
  const word = re(conf.wordPattern);
  assert.equal('let ユーザー = 1'.match(new RegExp(word.source, 'gu'))[1], 'ユーザー');
  for (const rule of conf.onEnterRules) {
    re(rule.beforeText);
    if (rule.afterText) {
      re(rule.afterText);
    }
  }
});
