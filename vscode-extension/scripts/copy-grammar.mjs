// The TextMate grammar lives at the repository root (grammars/reml.tmLanguage.json) so the
// Python package, Neovim users and this extension share one file. Copy it into the extension.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', '..', 'grammars', 'reml.tmLanguage.json');
const dest = join(here, '..', 'syntaxes', 'reml.tmLanguage.json');
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(src, dest);
JSON.parse((await import('node:fs')).readFileSync(dest, 'utf8'));
