"""``lint --format github``: GitHub Actions workflow commands, one line per diagnostic.

``::error file=F,line=L,col=C,endLine=…,endColumn=…,title=CODE::MESSAGE`` (``warning`` and
``notice`` for the other severities). The runner's escaping: in the message ``%``, CR and LF;
in property values also ``:`` and ``,`` (otherwise a path or a title with a comma would end the
property early).
"""

from __future__ import annotations

from reml_lsp.diagnostics.model import Diagnostic, Severity

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice",
           Severity.HINT: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    loc = d.location
    props = [("file", loc.file), ("line", str(loc.line)), ("col", str(loc.column)),
             ("endLine", str(loc.end_line)), ("endColumn", str(loc.end_column)),
             ("title", d.code)]
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMAND.get(d.severity, 'error')} {head}::{escape_data(d.message)}"


def annotations(diagnostics: list[Diagnostic]) -> str:
    return "".join(annotation(d) + "\n" for d in diagnostics)
