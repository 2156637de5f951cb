"""``lint --format sarif``: one SARIF 2.1.0 log (OASIS) for GitHub code scanning and dashboards.

One ``run``; ``tool.driver.rules`` holds one rule per code met (help text, and the catalog
message of each message key in the rule's ``messageStrings``, so a result carries ``message.id``
+ ``arguments`` beside its text);
results carry physical locations in 1-based lines and code-point columns (``columnKind:
unicodeCodePoints``, the unit of our ``location``), fix-its as ``fixes``, notes as
``relatedLocations`` and ``audit_id`` as a partial fingerprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from reml_lsp import __version__
from reml_lsp.diagnostics.catalog import CATALOG, DEFAULT_LOCALE
from reml_lsp.diagnostics.model import Diagnostic, FixIt, Location, Severity
from reml_lsp.diagnostics.rules import rule_help

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "SRCROOT"
FINGERPRINT = "remlAuditId/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note",
         Severity.HINT: "note"}


def _template(key: str, locale: str) -> str | None:
    """The catalog template in SARIF's message-string syntax (``{0}`` placeholders, literal
    braces doubled), or None when the key has no catalog entry."""
    text = (CATALOG.get(locale) or {}).get(key) or CATALOG[DEFAULT_LOCALE].get(key)
    if text is None:
        return None
    out, i = [], 0
    while i < len(text):  # keep `{N}` placeholders, double every other brace
        if text[i] == "{":
            close = text.find("}", i)
            if close > i + 1 and text[i + 1:close].isdigit():
                out.append(text[i:close + 1])
                i = close + 1
                continue
            out.append("{{")
        elif text[i] == "}":
            out.append("}}")
        else:
            out.append(text[i])
        i += 1
    return "".join(out)


def artifact(file: str, cwd: Path) -> dict[str, Any]:
    """A relative path stays relative to ``SRCROOT`` (the folder lint ran in), as code scanning
    wants repository-relative URIs; an absolute one becomes a ``file://`` URI."""
    path = Path(file)
    if not path.is_absolute():
        return {"uri": quote(path.as_posix()), "uriBaseId": SRCROOT}
    try:
        return {"uri": quote(path.relative_to(cwd).as_posix()), "uriBaseId": SRCROOT}
    except ValueError:
        return {"uri": path.as_uri()}


def region(loc: Location) -> dict[str, int]:
    return {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line,
            "endColumn": loc.end_column}


def _fix(fix: FixIt, where: dict[str, Any]) -> dict[str, Any] | None:
    if fix.location is None:
        return None
    return {
        "description": {"text": fix.title or fix.kind},
        "artifactChanges": [{
            "artifactLocation": where,
            "replacements": [{"deletedRegion": region(fix.location),
                              "insertedContent": {"text": fix.text}}],
        }],
    }


def _rule(d: Diagnostic, locale: str) -> dict[str, Any]:
    summary, help_text = rule_help(d.code, d.message_key, locale)
    rule: dict[str, Any] = {
        "id": d.code,
        "shortDescription": {"text": summary},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVEL.get(d.severity, "error")},
        "properties": {"domain": d.domain, "message_key": d.message_key},
    }
    return rule


def _add_message_string(rule: dict[str, Any], key: str, locale: str) -> bool:
    """Put the catalog template of ``key`` in the rule's ``messageStrings`` (one code may be
    reported with several message keys); False when the catalog has no such key."""
    strings = rule.setdefault("messageStrings", {})
    if key not in strings:
        template = _template(key, locale)
        if template is None:
            if not strings:
                del rule["messageStrings"]
            return False
        strings[key] = {"text": template}
    return True


def _result(d: Diagnostic, rule_index: int, has_template: bool, cwd: Path) -> dict[str, Any]:
    where = artifact(d.location.file, cwd)
    message: dict[str, Any] = {"text": d.message}
    if has_template:
        message.update({"id": d.message_key, "arguments": list(d.locale_args)})
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVEL.get(d.severity, "error"),
        "message": message,
        "locations": [{"physicalLocation": {"artifactLocation": where,
                                            "region": region(d.location)}}],
        "properties": {"message_key": d.message_key, "domain": d.domain, "locale": d.locale},
    }
    related = [
        {"id": i, "message": {"text": n.message},
         "physicalLocation": {"artifactLocation": artifact(n.location.file, cwd),
                              "region": region(n.location)}}
        for i, n in enumerate(d.notes) if n.location is not None
    ]
    if related:
        result["relatedLocations"] = related
    fixes = [f for f in (_fix(fix, where) for fix in d.fixits) if f]
    if fixes:
        result["fixes"] = fixes
    if d.audit_id:
        result["partialFingerprints"] = {FINGERPRINT: d.audit_id}
    return result


def sarif_log(diagnostics: list[Diagnostic], *, locale: str, exit_code: int,
              cwd: Path | None = None) -> dict[str, Any]:
    """The whole log; ``exit_code`` is lint's own, recorded in the invocation."""
    cwd = (cwd or Path.cwd()).resolve()
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for d in diagnostics:
        if d.code not in index:
            index[d.code] = len(rules)
            rules.append(_rule(d, locale))
        has_template = _add_message_string(rules[index[d.code]], d.message_key, locale)
        results.append(_result(d, index[d.code], has_template, cwd))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "reml-run", "semanticVersion": __version__,
                                "version": __version__, "language": locale, "rules": rules}},
            "invocations": [{"executionSuccessful": exit_code in (0, 1, 2),
                             "exitCode": exit_code}],
            "originalUriBaseIds": {SRCROOT: {"uri": cwd.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
