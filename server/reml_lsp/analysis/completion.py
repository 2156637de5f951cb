"""Completion candidates at a caret: what the parser accepts there (keywords and punctuation,
one entry per keyword, a snippet when the client takes snippets), names in scope (innermost
first; a `let` not in its own initialiser), names of imported workspace modules (`Alias.` member
completion), and module paths inside `use` and `module` (with `self`, `super`, `::`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.modules import ModuleInfo, WorkspaceIndex
from reml_lsp.analysis.tree import span
from reml_lsp.syntax import tokens as T

_WORD = re.compile(r"[\w]+$")
_USE_LINE = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:pub\s+)?use\s+(?P<path>[^;]*)$")
_MODULE_LINE = re.compile(r"^\s*module\s+(?P<path>[\w.]*)$")

# Terminals that start a statement but not an expression: where the parser accepts one, the
# previous statement is complete.
STATEMENT_STARTS = frozenset({"LET", "VAR"})

SNIPPETS = {
    "fn": ("fn ${1:name}(${2}) -> ${3:Unit} {\n\t$0\n}", "function declaration"),
    "let": ("let ${1:name} = ${0}", "let binding"),
    "var": ("var ${1:name} = ${0}", "mutable binding"),
    "if": ("if ${1:cond} then ${2} else ${0}", "if … then … else"),
    "match": ("match ${1:expr} with\n| ${2:pattern} -> ${0}", "match expression"),
    "while": ("while ${1:cond} {\n\t$0\n}", "while loop"),
    "for": ("for ${1:x} in ${2:xs} {\n\t$0\n}", "for loop"),
    "type": ("type ${1:Name} = ${0}", "type declaration"),
    "effect": ("effect ${1:Name} {\n\toperation ${2:op} : ${3:Unit} -> ${0:Unit}\n}",
               "effect declaration"),
    "handle": ("handle ${1:expr} with handler ${2:Name} {\n\t$0\n}", "handle expression"),
}


@attrs.frozen
class Candidate:
    label: str
    kind: str  # keyword token snippet module + binding kinds (function, type, let …)
    detail: str = ""
    sort: str = "5"
    insert: str | None = None  # plain text to insert (default: label)
    snippet: str | None = None  # snippet text (only offered when the client supports them)


@attrs.frozen
class Completion:
    start: int  # the replaced word starts here (the caret is its end)
    items: list[Candidate]
    in_module_path: bool = False


def word_start(text: str, offset: int) -> int:
    line_start = text.rfind("\n", 0, offset) + 1
    m = _WORD.search(text, line_start, offset)
    return m.start() if m else offset


@attrs.frozen
class CompletionContext:
    """What the text before the caret asks for, classified once: the server decides from it
    whether to wait for the workspace index, and :func:`complete` answers it."""

    start: int  # the word being typed starts here
    line_start: int
    kind: str  # "use" (a use path), "module" (a module path), "member" (after . or ::), "names"
    path: str = ""  # the path typed so far on a use line

    @property
    def needs_workspace(self) -> bool:
        """Use paths, module paths and members list other modules' names."""
        return self.kind != "names"


def completion_context(text: str, offset: int) -> CompletionContext:
    start = word_start(text, offset)
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    use = _USE_LINE.match(before)
    if use is not None:
        return CompletionContext(start, line_start, "use", use.group("path"))
    if _MODULE_LINE.match(before):
        return CompletionContext(start, line_start, "module")
    if before.endswith(".") or before.endswith("::"):
        return CompletionContext(start, line_start, "member")
    return CompletionContext(start, line_start, "names")


def complete(text: str, offset: int, expected: Iterable[str], cur: ModuleInfo,
             ws: WorkspaceIndex, *, snippets: bool = False,
             context: CompletionContext | None = None) -> Completion:
    ctx = context if context is not None else completion_context(text, offset)
    start = ctx.start
    word = text[start:offset]
    if ctx.kind == "use":
        return Completion(start, _filter(_use_paths(ctx.path, cur, ws), word), True)
    if ctx.kind == "module":
        guess = cur.rel_path[:-5].replace("/", ".") if cur.rel_path.endswith(".reml") else ""
        items = [Candidate(guess, "module", "module path of this file", "0")] if guess else []
        items += [Candidate(p, "module", "workspace module", "1") for p in ws.module_paths()]
        return Completion(start, _filter(items, word), True)
    if ctx.kind == "member":
        members = _members(text, ctx.line_start, start, cur, ws)
        if members is not None:
            return Completion(start, _filter(members, word))
    items: list[Candidate] = []
    exp = set(expected)
    names = not exp or bool(exp & {"IDENT", "UPPER_IDENT"})
    if names:
        items.extend(_names(cur, offset, word, text, start, exp))
    items.extend(_tokens(exp, snippets, bool(word)))
    return Completion(start, _filter(items, word))


def _filter(items: list[Candidate], word: str) -> list[Candidate]:
    seen: set[tuple[str, str]] = set()
    out = []
    low = word.lower()
    for item in items:
        key = (item.label, item.kind)
        if key in seen or (low and not item.label.lower().startswith(low)):
            continue
        seen.add(key)
        out.append(item)
    return out


def _declaration_end(b: Binding) -> int | None:
    """Where the declaration that binds ``b`` ends (a local's scope starts there)."""
    if not b.top_level:
        return b.scope_start
    found = span(b.decl, b.decl_dpos) if b.decl is not None else None
    return found[1] if found else None


def in_own_initialiser(b: Binding, text: str, start: int, exp: set[str]) -> bool:
    """A ``let``/``var`` is not in scope in its own initialiser (``let y = |`` must not offer
    ``y``). The caret is in it when the word being typed starts before the declaration's end,
    or when only blanks separate that end from the caret and the parser still needs an
    expression there: an initialiser that is missing or ends in an operator (the recovered
    declaration then stops before the caret)."""
    if b.kind not in ("let", "var") or b.start > start:
        return False
    end = _declaration_end(b)
    if end is None:
        return False
    if start < end:
        return True
    return bool(exp) and not exp & STATEMENT_STARTS and not text[end:start].strip()


def _names(cur: ModuleInfo, offset: int, word: str, text: str = "", start: int | None = None,
           exp: set[str] | None = None) -> list[Candidate]:
    out = []
    start = offset if start is None else start
    visible = [b for b in cur.scopes.visible(offset, word)
               if not in_own_initialiser(b, text, start, exp or set())]
    for i, b in enumerate(visible):
        group = "1" if b.top_level else "0"
        detail = b.path if b.kind == "import" and b.path else b.kind
        out.append(Candidate(b.name, b.kind, detail or "", f"{group}{i:05d}"))
    return out


def _tokens(exp: set[str], snippets: bool, typing_word: bool) -> list[Candidate]:
    out = []
    for term in sorted(exp):
        label, kind = T.label(term)
        if kind == "keyword":  # one entry per keyword: its snippet where the client takes them
            if snippets and label in SNIPPETS:
                body, detail = SNIPPETS[label]
                out.append(Candidate(label, "keyword", detail, "3" + label, snippet=body))
            else:
                out.append(Candidate(label, "keyword", "keyword", "3" + label))
        elif kind == "token" and not typing_word:
            out.append(Candidate(label, "token", "punctuation", "4" + label))
    return out


def _members(text: str, line_start: int, start: int, cur: ModuleInfo, ws: WorkspaceIndex
             ) -> list[Candidate] | None:
    """`Alias.` where Alias imports a workspace module: that module's top-level names."""
    head = re.search(r"(\w+)\s*(?:\.|::)$", text[line_start:start])
    if head is None:
        return None
    binding = cur.scopes.resolve(head.group(1), start)
    if binding is None or binding.kind != "import":
        return None
    resolved = ws.resolve_import(binding, cur.module)
    if resolved is None or resolved[1] is not None:
        return None
    target = resolved[0]
    return [Candidate(b.name, b.kind, f"{target.module}.{b.name}", "1" + b.name)
            for b in target.scopes.top_level() if b.kind != "import"]


def _use_paths(typed: str, cur: ModuleInfo, ws: WorkspaceIndex) -> list[Candidate]:
    """Candidates for the next segment of a `use` path (``typed`` is the path before the word)."""
    base = typed
    if "{" in typed:
        outer, _, inner = typed.rpartition("{")
        piece = inner.rsplit(",", 1)[-1].strip()
        base = outer.strip() + piece
    base = base.replace(" ", "")
    if not base:
        items = [Candidate("self", "keyword", "this module", "0self"),
                 Candidate("super", "keyword", "the parent module", "0super"),
                 Candidate("::", "keyword", "the workspace root", "0::", insert="::")]
        roots = sorted({p.split(".")[0] for p in ws.module_paths()})
        items += [Candidate(r, "module", "module", "1" + r) for r in roots]
        items += [Candidate(p, "module", "module", "2" + p) for p in ws.module_paths()
                  if "." in p]
        return items
    if not (base.endswith(".") or base.endswith("::")):
        return []
    prefix = base.rstrip(".").rstrip(":")
    items = []
    if all(part == "super" for part in prefix.split(".")):
        items.append(Candidate("super", "keyword", "one more level up", "0super"))
    absolute = ws.absolute(prefix, cur.module) if prefix else ""
    absolute = absolute.lstrip(":")
    segs: set[str] = set()
    for path in ws.module_paths():
        if absolute and path.startswith(absolute + "."):
            segs.add(path[len(absolute) + 1:].split(".")[0])
        elif not absolute:
            segs.add(path.split(".")[0])
    items += [Candidate(s, "module", "module", "1" + s) for s in sorted(segs)]
    target = ws.by_module(absolute) if absolute else None
    if target is not None:
        items += [Candidate(b.name, b.kind, f"{target.module}.{b.name}", "2" + b.name)
                  for b in target.scopes.top_level() if b.kind != "import"]
    return items
