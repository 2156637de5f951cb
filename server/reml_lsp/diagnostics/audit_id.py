"""Deterministic ``audit_id`` (DESIGN.md): UUIDv5 over a canonical JSON, so the CLI and the server
name the same finding the same way without talking to each other.

A finding's id depends on the finding's own context, not on the whole document (SARIF's
``partialFingerprints`` idea): the workspace-relative path, the code, a digest of its *anchor*
(the enclosing top-level item's normalised text, or a normalised window of the lines around the
span when no item encloses it), the span relative to the anchor (lines and columns, so a change
of line endings elsewhere does not matter) and an occurrence number among findings that agree on
all of that. An edit in another item, or one that moves the item, keeps the id.

``compute_audit_id`` (a digest of the whole text) remains for whole-document findings (config).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence

import attrs

# Fixed namespace of this project (itself a UUIDv5 in the URL namespace).
AUDIT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reml-lang.org/reml-lsp/audit-id")

WINDOW_CONTEXT = 160  # code points of context kept on each side of a span without an item
WINDOW_SPAN = 512  # a longer span is hashed by its first and last WINDOW_SPAN code points


def document_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def compute_audit_id(path: str, digest: str, code: str, start: int, end: int) -> str:
    """Whole-document identity: ``digest`` the SHA-256 of the document text; ``start``/``end``
    the byte span of the finding."""
    return _uuid({"path": path, "sha256": digest, "code": code, "start": start, "end": end})


def normalise(text: str) -> str:
    """Line endings as LF and no trailing blanks: what an editor's save actions change without
    changing the finding."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


def anchor_digest(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8", "surrogatepass")).hexdigest()


@attrs.frozen
class Anchor:
    """A top-level item of the current text: ``[start, end)`` in code points (first token to the
    end of the last) and ``anchor_digest`` of that text."""

    start: int
    end: int
    digest: str


LineCol = Callable[[int], tuple[int, int]]  # code-point offset -> (line, column)


class FindingIds:
    """Hands out the audit_ids of one document's findings, called in the order the findings are
    reported (the occurrence number follows that order)."""

    def __init__(self, rel_path: str, text: str, line_col: LineCol,
                 anchors: Sequence[Anchor]) -> None:
        self.rel_path = rel_path
        self.text = text
        self.line_col = line_col
        self.anchors = anchors
        self._starts = [a.start for a in anchors]
        self._seen: dict[str, int] = {}

    def audit_id(self, code: str, start: int, end: int) -> str:
        """``start``/``end``: the finding's code-point span in the current text."""
        anchor = self._anchor(start)
        if anchor is not None:
            kind, digest = "item", anchor.digest
            rel = self._relative(anchor.start, start, end)
        else:
            kind, digest, rel = "window", *self._window(start, end)
        key = json.dumps([code, kind, digest, rel])
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return _uuid({"v": 2, "path": self.rel_path, "code": code, "anchor": kind,
                      "digest": digest, "span": rel, "n": n})

    def _anchor(self, start: int) -> Anchor | None:
        i = bisect.bisect_right(self._starts, start) - 1
        if i >= 0 and start <= self.anchors[i].end:
            return self.anchors[i]
        return None

    def _relative(self, base: int, start: int, end: int) -> list[int]:
        bl, bc = self.line_col(base)
        out: list[int] = []
        for offset in (start, end):
            line, col = self.line_col(offset)
            out += [line - bl, col - bc if line == bl else col]
        return out

    def _window(self, start: int, end: int) -> tuple[str, list[int]]:
        text = self.text
        ws = max(text.rfind("\n", 0, start) + 1, start - WINDOW_CONTEXT)
        nl = text.find("\n", end)
        we = min(len(text) if nl < 0 else nl, end + WINDOW_CONTEXT)
        if end - start > 2 * WINDOW_SPAN:
            body = text[start:start + WINDOW_SPAN] + "\0" + text[end - WINDOW_SPAN:end]
        else:
            body = text[start:end]
        window = text[ws:start] + "\0" + body + "\0" + text[end:we]
        return anchor_digest(window), [start - ws, end - start]


def _uuid(fields: dict) -> str:
    name = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if not name.isascii():  # a path with invalid bytes (surrogateescape): hashable as text
        name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return str(uuid.uuid5(AUDIT_NAMESPACE, name))
