// Which documents the client sends to the server: Reml sources, and the config files whose
// findings the server computes (server/reml_lsp/analysis/config_document.py): every `reml.toml`
// and the files its `[config.schemas]` table associates with a schema. Patterns, not language
// ids, so they reach the server whether or not a TOML extension is installed (VS Code itself
// opens `.toml` as plain text). No `vscode` import: unit-tested with node:test.

export type Filter = { scheme: string; language: string } | { scheme: string; pattern: string };

export const MANIFEST_NAME = 'reml.toml';

/** The document selector for a workspace whose folders hold these `reml.toml` texts. */
export function documentSelector(folders: { path: string; manifest: string | undefined }[]): Filter[] {
  const filters: Filter[] = [
    { scheme: 'file', language: 'reml' },
    { scheme: 'untitled', language: 'reml' },
    { scheme: 'file', pattern: `**/${MANIFEST_NAME}` },
  ];
  const seen = new Set<string>();
  for (const folder of folders) {
    for (const glob of schemaGlobs(folder.manifest ?? '')) {
      const pattern = `${folder.path.replace(/\/+$/, '')}/${glob}`;
      if (!seen.has(pattern)) {
        seen.add(pattern);
        filters.push({ scheme: 'file', pattern });
      }
    }
  }
  return filters;
}

/**
 * The workspace-relative globs of `[config.schemas]` (`"conf/*.toml" = "schema.json"`), read line
 * by line: the table holds only quoted or bare keys with string values. A glob the server would
 * not match (absolute, or climbing out with `..`) is skipped. The server decides in the end
 * (config/associations.py reads the same table with a real TOML parser); a file sent here that
 * it does not associate is ignored as a config document.
 */
export function schemaGlobs(manifest: string): string[] {
  const globs: string[] = [];
  let inTable = false;
  for (const raw of manifest.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*([^\]]*?)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      inTable = header[1].replace(/\s+/g, '') === 'config.schemas';
      continue;
    }
    if (!inTable) {
      continue;
    }
    const entry = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=\s*["']/.exec(line);
    if (!entry) {
      continue;
    }
    const glob = entry[1] !== undefined ? unescapeBasic(entry[1]) : (entry[2] ?? entry[3]);
    if (glob && !glob.startsWith('/') && !glob.split('/').includes('..')) {
      globs.push(glob);
    }
  }
  return globs;
}

function unescapeBasic(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
