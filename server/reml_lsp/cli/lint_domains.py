"""The domains of ``reml-run lint --domain D`` (documented in docs/lint-domains.md) and the
``config`` domain's inputs: config files instead of Reml sources.

* ``parser``  — syntax of ``*.reml`` (lexer, parser, syntax checks);
* ``names``   — name resolution of ``*.reml`` (unresolved, duplicate, unused, conflicts);
* ``bridges`` — runtime-bridges rules of ``*.reml`` (``unsafe``, effect rows at FFI boundaries);
* ``config``  — ``*.toml``/``*.json`` config files and the ``reml.toml`` manifest: syntax, and
  with ``--schema`` types and required keys;
* ``cli``     — the command's own input findings (missing or unreadable paths).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from reml_lsp.analysis.lint_batch import LintResult
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.config.associations import schema_for
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.lint import CONFIG_SUFFIXES, lint_config
from reml_lsp.config.schema import Schema, load_schema
from reml_lsp.workspace import find_root, relative_path

DOMAINS = ("parser", "names", "bridges", "config", "cli")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", metavar="D",
                   help=f"report only this domain: {', '.join(DOMAINS)} (config lints config "
                        "files instead of *.reml; see docs/lint-domains.md)")
    p.add_argument("--schema", type=Path, metavar="S",
                   help="with --domain config: check types and required keys against this "
                        "schema (the format `reml-run diff --schema` reads)")


def check_domain(args: argparse.Namespace) -> str | None:
    """The validated ``--domain`` (exit 3 with the list of domains otherwise)."""
    domain = getattr(args, "domain", None)
    if domain is not None and domain not in DOMAINS:
        raise CliError("cli.lint.unknown_domain",
                       f"unknown --domain {domain!r}; use one of: {', '.join(DOMAINS)}",
                       ExitCode.USAGE, domain=domain, domains=list(DOMAINS))
    if getattr(args, "schema", None) is not None and domain != "config":
        raise CliError("cli.usage", "--schema needs --domain config", ExitCode.USAGE)
    return domain


def expand_config(paths: Sequence[str], skip: set[str]) -> list[tuple[str, Path | None]]:
    """Config inputs: files as given; folders walked for ``*.toml`` and ``*.json``."""
    out: list[tuple[str, Path | None]] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in CONFIG_SUFFIXES
                           and f.is_file()
                           and not any(part in skip for part in f.relative_to(p).parts[:-1]))
            out.extend((str(Path(given) / f.relative_to(p)), f) for f in found)
        else:
            out.append((given, p if p.exists() else None))
    return out


def _load(path: Path) -> Schema:
    try:
        return load_schema(path)
    except ConfigError as err:
        raise CliError(err.code, err.message, ExitCode.IO if err.kind == "io" else
                       ExitCode.USAGE, **err.details) from None


def lint_config_files(args: argparse.Namespace, files: Sequence[tuple[str, Path | None]],
                      locale: str) -> list[LintResult]:
    """One ``LintResult`` per existing file, in order (what ``lint`` prints and counts). The
    schema: ``--schema``, else the one the workspace's ``reml.toml`` associates with the file."""
    given = _load(args.schema) if getattr(args, "schema", None) is not None else None
    cwd = Path.cwd()
    out: list[LintResult] = []
    for display, path in files:
        if path is None:
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            out.append(LintResult(display, [], {}, error=exc.strerror or str(exc)))
            continue
        root = find_root(path, fallback=cwd)
        rel = relative_path(path, root)
        associated = schema_for(path, root) if given is None else None
        schema = given or (_load(associated) if associated is not None else None)
        result = lint_config(raw, path=path, file=display, rel_path=rel, locale=locale,
                             schema=schema)
        text_lines = result.text.split("\n")
        lines = {d.location.line - 1: text_lines[d.location.line - 1]
                 for d in result.diagnostics if 0 < d.location.line <= len(text_lines)}
        out.append(LintResult(display, result.diagnostics, lines))
    return out
