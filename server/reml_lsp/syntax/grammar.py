"""Loading ``grammars/reml.lark`` into the tables the lexer and the parser driver use.

Lark builds the LALR(1) table and the tree-building callbacks. The grammar is checked with
``strict=True`` (no shift/reduce or reduce/reduce conflicts, no terminal collisions through
interegular) by ``tests/syntax/test_grammar.py``; that check takes ~45 s because of the large
Unicode identifier classes, so at run time the table is built without the interegular pass and
cached on disk by Lark (``cache=``), which brings start-up to a fraction of a second.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib.resources
from collections.abc import Iterator
from typing import Any

import attrs
import lark.lexer
from lark import Lark
from lark.lexer import BasicLexer

from reml_lsp.cache.location import analysis_cache_dir


def grammar_text() -> str:
    return (importlib.resources.files("reml_lsp.grammars") / "reml.lark").read_text("utf-8")


@contextlib.contextmanager
def _without_interegular() -> Iterator[None]:
    saved = lark.lexer.has_interegular
    lark.lexer.has_interegular = False
    try:
        yield
    finally:
        lark.lexer.has_interegular = saved


def build_lark(*, strict: bool = False, cache: bool = True) -> Lark:
    """The Lark object for the grammar; ``strict`` runs every conflict and collision check."""
    options: dict[str, Any] = dict(
        parser="lalr", lexer="contextual", start=["start", "script"], maybe_placeholders=False
    )
    if strict:
        return Lark(grammar_text(), strict=True, **options)
    cache_file = _cache_file() if cache else None
    if cache_file is not None:
        options["cache"] = cache_file
    with _without_interegular():
        return Lark(grammar_text(), **options)


def _cache_file() -> str | None:
    """Lark's table cache (a pickle), per grammar text, in the user's own analysis cache folder
    (``cache.location``: created private if missing). Never a shared temp folder: another user
    could plant a file under the expected name there, and loading it would run their code.
    None (build the tables, save nothing) when the folder cannot be made."""
    folder = analysis_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    digest = hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()[:16]
    return str(folder / f"reml-lark-{digest}.lark-cache")


@attrs.frozen
class Tables:
    """What the driver needs from Lark: the parse table, the callbacks and one scanner."""

    states: dict[int, dict[str, tuple[Any, Any]]]
    start_state: int
    end_state: int
    script_start: int  # items that are top-level expressions (--allow-top-level-expr)
    script_end: int
    callbacks: dict[Any, Any]
    scanner_mres: list[Any]  # the compiled alternation of every terminal (longest first)
    terminals: frozenset[str]


@functools.cache
def tables() -> Tables:
    """The process-wide tables (built once, then shared by every parse)."""
    parser = build_lark()
    frontend = parser.parser
    lalr = frontend.parser.parser
    table = lalr.parse_table
    states = table.states
    # The unpickled table holds one (action, argument) tuple per entry; share equal ones.
    shared: dict[Any, Any] = {}
    for acts in states.values():
        for sym, act in acts.items():
            acts[sym] = shared.setdefault(act, act)
    # One scanner over every terminal; the contextual decisions (keywords, `t.0.1`, `Vec<T>=`,
    # fixity atoms) are taken by reml_lsp.syntax.lexer from the parse table, which gives the
    # same tokens as Lark's ContextualLexer without compiling one regex per parser state.
    conf = copy.copy(frontend.lexer_conf)
    conf.skip_validation = True
    scanner = BasicLexer(conf).scanner
    return Tables(
        states=states,
        start_state=table.start_states["start"],
        end_state=table.end_states["start"],
        script_start=table.start_states["script"],
        script_end=table.end_states["script"],
        callbacks=frontend.parser_conf.callbacks,
        scanner_mres=scanner._mres,
        terminals=frozenset(t.name for t in frontend.lexer_conf.terminals),
    )
