"""The typed contract between ``reml-run`` and its readers (the language server, the VS Code
extension, scripts): attrs classes for every JSON result the server or the extension reads, the
one cattrs converter that prints and parses them, and the JSON Schema generated from them
(``schemas/runtime-results.schema.json``; the extension's TypeScript types are generated from
that schema). It imports nothing of reml_lsp, so both ``cli`` and ``lsp`` may use it."""
