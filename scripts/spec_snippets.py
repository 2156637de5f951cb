"""The spec-snippet corpus: every ```reml block of the upstream spec as a lint fixture.

    python scripts/spec_snippets.py extract   # (re)write fixtures/spec_snippets/
    python scripts/spec_snippets.py report    # clean / real / pseudo counts, failures listed

Sources: ``../shared/reference/spec/*.md`` (every chapter), the guides at the top of
``../shared/reference/`` that are not copies of a spec chapter, and the seeds. Each block is
written to ``fixtures/spec_snippets/<source>/<n>.reml`` (``n`` counts the blocks of that file,
from 1) and listed in ``index.json`` with its origin and its class:

* ``program``  — a sequence of declarations, linted as a file;
* ``fragment`` — it has a top-level line that is not a declaration (an expression or a
  statement, spec 1-1 §B.4), linted with ``--allow-top-level-expr``;
* ``pseudo``   — listed in ``fixtures/spec_snippets/pseudo.txt`` with the reason: not Reml
  (Rust-style syntax, elisions with ``...``, prose inside code). The list is kept short; a
  snippet the reference parser accepts is real.

The class is decided by rule from the snippet's top-level lines (see ``classify``), not by
whether our parser accepts it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "fixtures" / "spec_snippets"
PSEUDO = OUT / "pseudo.txt"
# Guides at the top of reference/ that are not copies of a spec chapter.
GUIDES = ("runtime-bridges.md", "core-parse-streaming.md", "lsp-authoring.md",
          "lsp-integration.md")

FENCE_OPEN = re.compile(r"^(\s*)```reml\s*$")
FENCE_CLOSE = re.compile(r"^\s*```\s*$")
DECL_START = re.compile(
    r"^(?:@|#\[|//|/\*|\*|module\b|use\b|pub\b|let\b|var\b|fn\b|type\b|trait\b|impl\b|"
    r"extern\b|effect\b|handler\b|conductor\b|pattern\b|struct\b|enum\b|unsafe\s+fn\b|"
    r"[}\])|])")


def sources() -> list[Path]:
    found = sorted((SHARED / "reference" / "spec").glob("*.md"))
    found += [SHARED / "reference" / name for name in GUIDES
              if (SHARED / "reference" / name).exists()]
    found += sorted((SHARED / "seeds").glob("*.txt"))
    return found


def blocks(text: str) -> list[tuple[int, str]]:
    """(1-based line of the opening fence, dedented body) of each ```reml block."""
    out: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent = len(m.group(1))
        start = i + 1
        j = start
        while j < len(lines) and not FENCE_CLOSE.match(lines[j]):
            j += 1
        body = [ln[indent:] if ln[:indent].strip() == "" else ln.lstrip() for ln in lines[start:j]]
        out.append((start, "\n".join(body).rstrip() + "\n"))
        i = j + 1
    return out


def classify(code: str) -> str:
    """``program`` if every line at column 0 starts a declaration (or closes/continues one),
    else ``fragment``."""
    for line in code.splitlines():
        if not line.strip() or line[0] in " \t":
            continue
        if not DECL_START.match(line):
            return "fragment"
    return "program"


def source_key(path: Path) -> str:
    return path.stem


def load_pseudo() -> dict[str, str]:
    out: dict[str, str] = {}
    if not PSEUDO.exists():
        return out
    for line in PSEUDO.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition(" ")
        out[key] = reason.strip()
    return out


def extract() -> list[dict]:
    pseudo = load_pseudo()
    index: list[dict] = []
    for old in OUT.glob("*/*.reml"):
        old.unlink()
    for src in sources():
        for n, (line, code) in enumerate(blocks(src.read_text("utf-8")), start=1):
            key = f"{source_key(src)}/{n:03d}"
            path = OUT / f"{key}.reml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(code, "utf-8")
            kind = "pseudo" if key in pseudo else classify(code)
            rel = src.relative_to(SHARED).as_posix()
            index.append({"id": key, "source": rel, "line": line, "class": kind})
    (OUT / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n",
                                    "utf-8")
    return index


def load_index() -> list[dict]:
    pseudo = load_pseudo()
    index = json.loads((OUT / "index.json").read_text("utf-8"))
    for entry in index:  # the pseudo list is the authority, even before `extract` is rerun
        if entry["id"] in pseudo:
            entry["class"] = "pseudo"
        elif entry["class"] == "pseudo":
            entry["class"] = classify((OUT / f"{entry['id']}.reml").read_text("utf-8"))
    return index


def lint(entry: dict) -> list[tuple[str, int, int, str]]:
    """Syntax errors of one snippet: (code, line, column, message). Name resolution is left
    out: a snippet refers to names defined elsewhere in its chapter."""
    from reml_lsp.analysis.analyze import analyze_text

    text = (OUT / f"{entry['id']}.reml").read_text("utf-8")
    result = analyze_text(text, file=entry["id"], rel_path=entry["id"],
                          allow_top_level_expr=entry["class"] == "fragment")
    return [(d.code, d.location.line, d.location.column, d.message)
            for d in result.diagnostics if d.severity == "error" and d.domain == "parser"]


def report(verbose: bool) -> int:
    index = load_index()
    real = [e for e in index if e["class"] != "pseudo"]
    failing = []
    for entry in real:
        errs = lint(entry)
        if errs:
            failing.append((entry, errs))
    clean = len(real) - len(failing)
    if verbose:
        for entry, errs in failing:
            code, line, col, msg = errs[0]
            print(f"{entry['id']} ({entry['source']}:{entry['line'] + line}) [{entry['class']}] "
                  f"{line}:{col} {code}: {msg}")
    programs = sum(e["class"] == "program" for e in real)
    print(f"spec snippets: {clean} clean / {len(real)} real ({programs} programs, "
          f"{len(real) - programs} fragments) / {len(index) - len(real)} pseudo-code")
    return 0 if not failing else 1


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "report"
    if cmd == "extract":
        index = extract()
        print(f"{len(index)} snippets written to {OUT.relative_to(ROOT)}")
        return 0
    if cmd == "report":
        return report(verbose="-q" not in argv)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
