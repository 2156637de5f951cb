// Checks a packaged VSIX: the files VS Code needs are inside, nothing that should stay out is,
// and the manifest has what the extension relies on. Usage: node scripts/check-vsix.mjs FILE.vsix
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

function readZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new Error('not a zip file');
  }
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.set(name, () => {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const raw = buf.subarray(start, start + csize);
      return method === 0 ? raw : inflateRawSync(raw);
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const file = process.argv[2];
const zip = readZip(readFileSync(file));
const problems = [];
for (const need of [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/syntaxes/reml.tmLanguage.json',
  'extension/language-configuration.json',
  'extension.vsixmanifest',
]) {
  if (!zip.has(need)) {
    problems.push(`missing ${need}`);
  }
}
// The server bundled for "nothing configured" (scripts/bundle-python.mjs): pure Python only.
for (const need of [
  'extension/bundled/libs/reml_lsp/cli/main.py',
  'extension/bundled/libs/reml_lsp/grammars/reml.lark',
  'extension/bundled/libs/pygls/__init__.py',
  'extension/bundled/libs/lsprotocol/types.py',
  'extension/bundled/libs/lark/__init__.py',
  'extension/bundled/libs/rich/__init__.py',
]) {
  if (!zip.has(need)) {
    problems.push(`missing ${need} (run node scripts/bundle-python.mjs)`);
  }
}
for (const name of zip.keys()) {
  if (/\.(so|pyd|dylib|pyc)$|__pycache__|\/bundled\/libs\/bin\//.test(name)) {
    problems.push(`native or generated file in the bundle: ${name}`);
  }
}
for (const name of zip.keys()) {
  if (/node_modules|\/src\/|\.map$|\.cache|test-artifacts|\/test\//.test(name)) {
    problems.push(`should not be packaged: ${name}`);
  }
}
const pkg = JSON.parse(zip.get('extension/package.json')().toString('utf8'));
const events = pkg.activationEvents ?? [];
for (const e of ['onLanguage:reml', 'workspaceContains:**/*.reml']) {
  if (!events.includes(e)) {
    problems.push(`activationEvents lacks ${e}`);
  }
}
if (pkg.main !== './dist/extension.js') {
  problems.push(`main is ${pkg.main}`);
}
const grammar = JSON.parse(zip.get('extension/syntaxes/reml.tmLanguage.json')().toString('utf8'));
if (grammar.scopeName !== 'source.reml') {
  problems.push('grammar scopeName is not source.reml');
}
const restricted = pkg.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
for (const key of ['reml.server.command', 'reml.server.pythonPath', 'reml.runtime.command']) {
  if (!restricted.includes(key)) {
    problems.push(`${key} is not restricted in untrusted workspaces`);
  }
}
if (problems.length) {
  console.error(`check-vsix: ${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-vsix: ${file}: ${zip.size} entries, manifest ok`);
