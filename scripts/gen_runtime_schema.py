"""Write (or ``--check``) the JSON Schema of the runtime results.

    python scripts/gen_runtime_schema.py [--check]

generates ``schemas/runtime-results.schema.json`` from the attrs classes of
``server/reml_lsp/contract/results.py``. With ``--check`` it writes nothing and exits 1 when the
file differs from a fresh generation. The TypeScript types come from this file:
``node scripts/gen_runtime_types.mjs``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reml_lsp.contract.schema import schema_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "schemas" / "runtime-results.schema.json"


def main(argv: list[str]) -> int:
    fresh = schema_text()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != fresh:
            sys.stderr.write(f"{OUT.relative_to(ROOT)} is out of date: run "
                             "python scripts/gen_runtime_schema.py\n")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(fresh, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
