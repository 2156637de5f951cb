"""Generate the signature index of the standard library (``Core.*``) from the spec.

    python scripts/gen_core_index.py [SPEC_DIR]

writes server/reml_lsp/analysis/data/core_index.json.

Sources: the library chapters of the spec (``2-*`` = ``Core.Parse``, ``3-*`` = the rest of
``Core.*``), default ``../shared/reference/spec``. Every ```reml block is read line by line for
declarations (``fn``, ``type`` and its ``| Variant``s, ``trait``, ``effect``, ``handler``,
``let``, ``operation``) and each name is filed under the module the block belongs to: the last
``Core.X.Y`` named in a heading above it, else the chapter's title module. Also listed: module
names mentioned anywhere in those chapters; the capitalised type names the library's signatures
use or its prose names in backticks without declaring them in a code block (``referenced``: the
library provides them, the spec does not spell them out); the effect tags of the tables of spec
1-3 (``effect_tags``). The output is sorted, so regenerating from the same spec gives the same
bytes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT.parent / "shared" / "reference" / "spec"
OUT = ROOT / "server" / "reml_lsp" / "analysis" / "data" / "core_index.json"

FENCE_OPEN = re.compile(r"^\s*```reml\s*$")
FENCE_CLOSE = re.compile(r"^\s*```\s*$")
MODULE = re.compile(r"\bCore(?:\.[A-Z][A-Za-z0-9_]*)+")
IDENT = r"([A-Za-z_][A-Za-z0-9_]*)"
DECLS = [
    ("function", re.compile(r"^\s*(?:@\S+\s+)*(?:pub\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+"
                            r"(?:[A-Za-z_][\w]*\.)*" + IDENT)),
    ("type", re.compile(r"^\s*(?:pub\s+)?(?:type|struct|enum)\s+(?:alias\s+)?" + IDENT)),
    ("trait", re.compile(r"^\s*(?:pub\s+)?trait\s+" + IDENT)),
    ("effect", re.compile(r"^\s*(?:pub\s+)?effect\s+" + IDENT)),
    ("handler", re.compile(r"^\s*(?:pub\s+)?handler\s+" + IDENT)),
    ("operation", re.compile(r"^\s*operation\s+" + IDENT)),
    ("value", re.compile(r"^\s*(?:pub\s+)?(?:let|const)\s+" + IDENT)),
]
TYPE_NAME = re.compile(r"\b([A-Z][A-Za-z0-9_]*)\b")
TICKED_TYPE = re.compile(r"`([A-Z][A-Za-z0-9_]*)`")
VARIANT = re.compile(r"(?:^|[=|])\s*\|?\s*([A-Z][A-Za-z0-9_]*)\s*(?=[({|]|$)")
EFFECT_ROW = re.compile(r"^\| `([a-z][a-z_]*)(?:\.[a-z_.]+)?` ")
SIGNATURE_LIMIT = 200
TITLE_WORDS = {"Prelude": "Prelude", "Iteration": "Iter", "Collections": "Collections"}


def chapter_module(path: Path, title: str) -> str:
    named = MODULE.search(title)
    if named:
        return named.group(0)
    if path.name.startswith("2-"):
        return "Core.Parse"
    words = [w for w in re.findall(r"[A-Za-z]+", title) if w != "Core"]
    return "Core." + (words[0] if words else "Prelude")


def blocks(text: str):
    """(heading module or None, code lines) for every ```reml block."""
    heading_module = None
    inside = False
    code: list[str] = []
    for line in text.splitlines():
        if inside:
            if FENCE_CLOSE.match(line):
                yield heading_module, code
                inside, code = False, []
            else:
                code.append(line)
            continue
        if FENCE_OPEN.match(line):
            inside = True
        elif line.startswith("#"):
            found = MODULE.findall(line)
            if found:
                heading_module = found[-1]


def declarations(code: list[str]):
    in_type = False
    for raw in code:
        line = raw.split("//", 1)[0].rstrip()
        if not line.strip():
            continue
        for kind, rx in DECLS:
            m = rx.match(line)
            if m:
                yield kind, m.group(1), line.strip()
                in_type = kind == "type" and "=" in line
                if in_type:
                    for v in VARIANT.findall(line.split("=", 1)[1]):
                        yield "variant", v, line.strip()
                break
        else:
            if in_type and line.lstrip().startswith("|"):
                for v in VARIANT.findall(line):
                    yield "variant", v, line.strip()
            elif not line.startswith((" ", "\t", "|")):
                in_type = False


def effect_tags(spec: Path) -> list[str]:
    """Effect tags of the tables of spec 1-3 (core, system and library tags; ``io.async`` gives
    ``io``)."""
    path = spec / "1-3-effects-safety.md"
    if not path.exists():
        return []
    found = {m.group(1) for line in path.read_text(encoding="utf-8").splitlines()
             for m in [EFFECT_ROW.match(line)] if m}
    return sorted(found)


def build(spec: Path) -> dict:
    modules: dict[str, dict[str, dict[str, str]]] = {}
    mentioned: set[str] = set()
    referenced: dict[str, str] = {}
    chapters = sorted(p for p in spec.glob("*.md") if p.name[:2] in ("2-", "3-"))
    for path in chapters:
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0] if text else ""
        default = chapter_module(path, title)
        mentioned.add(default)
        mentioned.update(MODULE.findall(text))
        for heading, code in blocks(text):
            module = heading or default
            names = modules.setdefault(module, {})
            for kind, name, sig in declarations(code):
                names.setdefault(name, {"kind": kind, "signature": sig[:SIGNATURE_LIMIT],
                                        "source": path.name})
                for used in TYPE_NAME.findall(sig.split("//", 1)[0]):
                    referenced.setdefault(used, path.name)
        for used in TICKED_TYPE.findall(text):
            referenced.setdefault(used, path.name)
    for m in mentioned:
        modules.setdefault(m, {})
    declared = {n for table in modules.values() for n in table}
    return {
        "generated_from": "spec chapters 2-* and 3-* (scripts/gen_core_index.py)",
        "chapters": [p.name for p in chapters],
        "modules": {m: dict(sorted(modules[m].items())) for m in sorted(modules)},
        "effect_tags": effect_tags(spec),
        "referenced": {n: referenced[n] for n in sorted(referenced) if n not in declared},
    }


def main(argv: list[str]) -> int:
    spec = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    if not spec.is_dir():
        print(f"spec folder not found: {spec}", file=sys.stderr)
        return 2
    index = build(spec)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    names = sum(len(v) for v in index["modules"].values())
    print(f"{OUT.relative_to(ROOT)}: {len(index['modules'])} modules, {names} names, "
          f"{len(index['referenced'])} referenced type names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
