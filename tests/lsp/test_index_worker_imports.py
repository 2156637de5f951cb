"""The index workers unpickle their task by module name: that module must not pull in the
server's LSP stack (lsprotocol, pygls), which every worker would then import before its first
file (it was about half a second of CPU per worker)."""

from __future__ import annotations

import subprocess
import sys


def test_worker_task_module_imports_no_lsp_stack():
    code = ("import sys, reml_lsp.lsp.index_worker, reml_lsp.lsp.index_tasks as t; "
            "print(sorted(m for m in ('lsprotocol', 'pygls', 'reml_lsp.lsp.indexing') "
            "if m in sys.modules)); "
            "print(t.index_batch([(b'module a\\npub fn f() -> Int { 1 }\\n', 'a.reml')])"
            "[0][0].module)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "a"
