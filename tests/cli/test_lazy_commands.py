"""A run of one subcommand imports that subcommand's module only (start-up cost of every
`reml-run` child the language server spawns); help and usage errors still list them all."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import sys
from reml_lsp.cli import main
code = main.run(sys.argv[1:])
names = [m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("reml_lsp.cli.commands.")]
loaded = sorted(n for n in names if not n.startswith("_"))
print("\\n" + __import__("json").dumps({"code": code, "loaded": loaded}))
"""


def probe(*argv: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         timeout=120, check=False)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_one_command_imports_one_command_module() -> None:
    result = probe("cache", "dir")
    assert result == {"code": 0, "loaded": ["cache"]}


def test_an_unknown_command_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "nosuch", "--format", "json"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 3  # usage (docs/cli.md exit codes)
    message = json.loads(out.stdout or out.stderr)["error"]["message"]
    for name in ("lint", "lsp", "diff", "reload", "gpu", "instrument", "metrics", "cache"):
        assert name in message
