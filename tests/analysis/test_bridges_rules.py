"""Runtime-bridges rules on valid code (probes F2/12, F2/13, F2/16): the boundary is the bridge
qualifier, not a value the item binds; a handle that leaves its ``unsafe`` block is released
where it goes; what counts as acquiring is what the guide and spec name; an ``unsafe`` block in
``audited_unsafe_block``'s closure is audited. The fixtures (fixtures/semantic/*/bridges_*) run
in test_names_rules; the CLI test runs the real ``reml-run lint`` over them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.diagnostics.model import Diagnostic

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "semantic"
HEAD = ('module m\n\nextern "C" fn malloc(n: usize) -> Ptr<u8> !{ffi};\n'
        'extern "C" fn free(p: Ptr<u8>) -> () !{ffi};\n\n')


def bridges(text: str) -> list[Diagnostic]:
    return [d for d in analyze_text(text, file="t.reml", rel_path="t.reml").diagnostics
            if d.domain == "bridges"]


def codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in bridges(text)]


def apply(text: str, d: Diagnostic) -> str:
    [fix] = d.fixits
    data = text.encode("utf-8")
    return (data[:fix.span.start] + fix.text.encode("utf-8") + data[fix.span.end:]).decode()


@pytest.mark.parametrize("binder", [
    "fn f(db: List<Int>) -> Int !{io} = db.len()",
    "fn f(xs: List<Int>) -> Int !{io} {\n  let net = xs.len()\n  net.max(1)\n}",
    "fn f(xs: List<Int>) -> Int !{io} {\n  var sql = xs\n  sql.len()\n}",
    "fn f(xs: List<Int>) -> Int !{io} =\n  match xs with\n  | [_, ..rest] -> rest.len()\n"
    "  | [] -> 0",
    "fn f(xs: List<List<Int>>) -> Int !{io} = xs.map(|gpu| gpu.len()).len()",
])
def test_a_local_value_is_not_a_boundary(binder: str) -> None:
    assert codes("module m\n\n" + binder + "\n") == []


def test_the_qualifier_is_a_boundary_where_no_local_binds_it() -> None:
    # the `db` bound in the inner block is out of scope at the call; `db.query` is the bridge
    text = ("module m\n\nfn f(k: Str) -> Str !{io} {\n  let n = { let db = k; db }\n"
            "  db.query(n)\n}\n")
    [d] = bridges(text)
    assert d.code == "bridges.effects.missing_tag" and "database (db.…)" in d.message
    assert apply(text, d).count("!{io, db, audit}") == 1


def test_a_module_path_names_its_boundary_by_any_segment() -> None:
    [d] = bridges("module m\n\nfn f(u: Str) -> Str !{io} = Core.Net.Http.get(u)\n")
    assert "cloud/REST (Core.Net.Http.…)" in d.message
    # a receiver that is a call or `self`'s field names no boundary: `foo(db.x).len()`
    assert codes("module m\n\nfn foo(x: Int) -> Int = x\n"
                 "fn f(k: Int) -> Int !{io} = foo(k).max(self.db.len())\n") == []


def test_a_handle_returned_by_its_block_is_released_by_the_defer_of_its_binding() -> None:
    body = ("fn f(n: usize) -> Int !{ffi} {\n"
            "  let buf = unsafe { audit.log(\"a\", n); let p = malloc(n); p }\n"
            "  defer unsafe { audit.log(\"f\", n); free(buf) }\n  0\n}\n")
    assert codes(HEAD + body) == []
    unreleased = (HEAD + body).replace("  defer unsafe { audit.log(\"f\", n); free(buf) }\n", "")
    [d] = bridges(unreleased)
    assert (d.code, d.location.line, d.location.column) == ("bridges.unsafe.missing_defer", 7, 45)
    fixed = apply(unreleased, d)
    assert "malloc(n); p }\n  defer free(buf)\n  0\n" in fixed
    assert codes(fixed) == []


def test_a_handle_returned_to_the_caller_needs_no_defer() -> None:
    text = HEAD + ("fn make(n: usize) -> Ptr<u8> !{ffi} = unsafe {\n  audit.log(\"a\", n)\n"
                   "  let p = malloc(n)\n  p\n}\n")
    assert codes(text) == []
    # used, not returned: a leak, reported; the fix goes in the block, after the `let`
    leak = text.replace("  p\n}\n", "  p.len()\n}\n")
    [d] = bridges(leak)
    assert d.code == "bridges.unsafe.missing_defer"
    assert "  let p = malloc(n)\n  defer free(p)\n  p.len()\n" in apply(leak, d)


def test_a_handle_passed_on_is_reported_without_a_fix() -> None:
    # a `defer` cannot follow the value into `use_it`'s argument: no fix that would free it early
    text = HEAD + ("fn use_it(_p: Ptr<u8>) -> Int = 0\nfn f(n: usize) -> Int !{ffi} =\n"
                   "  use_it(unsafe { audit.log(\"a\", n); let p = malloc(n); p })\n")
    [d] = bridges(text)
    assert d.code == "bridges.unsafe.missing_defer" and d.fixits == []


def test_a_fix_on_a_one_line_block_stays_in_the_block() -> None:
    text = HEAD + ("fn use_it(_p: Ptr<u8>) -> Int = 0\nfn f(n: usize) -> Int !{ffi} {\n"
                   "  unsafe { audit.log(\"a\", n); let p = malloc(n); use_it(p) }\n}\n")
    [d] = bridges(text)
    fixed = apply(text, d)
    assert "let p = malloc(n); defer free(p); use_it(p) }\n" in fixed
    assert codes(fixed) == []


@pytest.mark.parametrize(("call", "acquires"), [
    ("File.create_dir(\"out\")", False),  # makes a directory, holds nothing
    ("Sock.connect(\"host\")", False),
    ("xs.reserve(8)", False),  # capacity, not a resource
    ("File.open(\"in\")", True),  # spec 1-3 §G: files
    ("m.lock()", True),  # spec 1-3 §G: locks
    ("Dev.alloc_buffer(8)", True),  # guide §6: allocation/release pairs
    ("mmap(8)", True),
])
def test_what_counts_as_acquiring(call: str, acquires: bool) -> None:
    text = ("module m\n\nfn f(xs: List<Int>, m: Mutex) -> Int !{ffi} {\n  unsafe {\n"
            f"    audit.log(\"f\", 1)\n    let h = {call}\n    h.use(xs, m)\n  }}\n}}\n")
    got = [d.code for d in bridges(text)]
    assert got == (["bridges.unsafe.missing_defer"] if acquires else [])


@pytest.mark.parametrize("wrapper", ["audited_unsafe_block", "Unsafe.audited_unsafe_block",
                                     "Core.Unsafe.audited_unsafe_block"])
def test_an_unsafe_block_in_audited_unsafe_block_is_audited(wrapper: str) -> None:
    text = (f"module m\n\nfn f(a: Ptr<u32>) -> u32 !{{audit}} =\n"
            f"  {wrapper}(\"mmio.read\", || unsafe {{ read(a) }})\n")
    assert codes(text) == []
    other = text.replace(wrapper, "run") + "fn run(f: () -> u32) -> u32 = f()\n"
    assert codes(other) == [("bridges.unsafe.missing_audit", 4)]


def test_log_unsafe_operation_is_an_audit_log() -> None:
    # spec 3-9 §4.2: `log_unsafe_operation(op, context)` has `effect {audit}`
    text = "module m\n\nfn f(op: UnsafeOperation, c: UnsafeContext) -> Int {\n  unsafe { 1 }\n}\n"
    assert codes(text) == [("bridges.unsafe.missing_audit", 4)]
    assert codes(text.replace("unsafe { 1 }", "log_unsafe_operation(op, c)\n  unsafe { 1 }")
                 ) == []


def test_the_cli_reports_what_the_editor_does() -> None:
    """The real ``reml-run lint --domain bridges`` over the fixtures: the valid ones are clean,
    the near misses reported where they say."""
    files = sorted((FIXTURES / "valid").glob("bridges_*.reml"))
    near = FIXTURES / "invalid" / "bridges_near_miss.reml"
    assert len(files) == 3
    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--format", "json",
                           "--domain", "bridges", "--no-cache", *map(str, files), str(near)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 2), proc.stderr
    got = sorted((Path(d["location"]["file"]).name, d["code"], d["location"]["line"])
                 for d in json.loads(proc.stdout)["diagnostics"])
    want = sorted((near.name, code, int(line)) for code, line in
                  re.findall(r"^// expect: (\S+) (\d+):\d+$", near.read_text(), re.M))
    assert want
    assert got == want


def test_the_boundary_is_the_namespace_the_function_lives_in_and_net_declares_network():
    """`Core.Net.Url.parse` is pure (spec 3-17): its namespace `Url` is no boundary; the
    `Http`/`Tcp` namespaces are; Core.Net's tag `net` declares the guide's `network`."""
    from reml_lsp.analysis.analyze import analyze_text

    def tags(src: str) -> list[str]:
        result = analyze_text(src, file="t.reml", rel_path="t.reml")
        return [d.code for d in result.diagnostics if d.code == "bridges.effects.missing_tag"]

    assert tags("fn ok(s: Str) -> Bool !{} = Core.Net.Url.parse(s).is_ok()\n") == []
    assert tags("fn get(u: Str) -> Str !{io} = Core.Net.Http.get(u)\n") == [
        "bridges.effects.missing_tag"]
    assert tags("fn c(h: Str) -> Int !{io} = net.tcp.connect(h)\n") == [
        "bridges.effects.missing_tag"]
    assert tags("fn get(u: Str) -> Str !{net, audit} = Core.Net.Http.get(u)\n") == []


def test_a_handle_wrapped_in_the_result_is_the_callers():
    """Returned inside `Ok({ ptr: buf })` or a branch's constructor: the caller owns it, and a
    defer would free it first; a method call on it yields something else (still reported)."""
    wrapped = ("module m\n\nfn up(n: Int) -> Result<Buf, Str> !{ffi, audit} {\n"
               "  let buf = unsafe {\n    audit.log(\"up\", n)\n    let p = malloc(n)\n    p\n  }\n"
               "  Ok({ ptr: buf, bytes: n })\n}\n\n"
               "fn open_dev(path: Str) -> Result<Fd, Str> !{ffi, audit} =\n  unsafe {\n"
               "    audit.log(\"open\", path)\n    let fd = open(path)\n"
               "    if fd < 0 then Err(\"failed\") else Ok(Fd { raw: fd })\n  }\n")
    assert codes(wrapped) == []
    used = ("module m\n\nfn size(n: Int) -> Int !{ffi, audit} =\n  unsafe {\n"
            "    audit.log(\"s\", n)\n    let p = malloc(n)\n    Ok(p.len())\n  }\n")
    assert codes(used) == [("bridges.unsafe.missing_defer", 6)]
