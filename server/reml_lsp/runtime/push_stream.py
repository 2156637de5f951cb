"""ADAPTER — a stand-in for push mode of ``reml_lsp.syntax.streaming`` (spec 2-7, runtime-bridges
§9.1) until that module provides ``StreamDriver`` / ``FlowController`` / ``Feeder``. Only
``reml-run watch`` uses it; swapping it for the real runner changes this file and ``watch.py``.

Push mode over a file: a :class:`FileChangeFeeder` turns each change of the file into one chunk
(the whole new content); :class:`PushFlow` applies the ``FlowController`` policy
``Auto{BackpressureSpec{max_lag, debounce}}``:

* **debounce** — a chunk is released only after the file has been quiet for ``debounce``;
* **stale work is dropped** — a chunk superseded before release is counted in ``dropped`` and
  never parsed (only the newest content matters for a reload);
* **max_lag** — a release later than ``max_lag`` after the first unreleased change is flagged
  ``pending.backpressure`` in its meta;
* **watermarks** — ``buffer_fill_ratio`` is the buffered bytes over ``high_watermark``; a chunk
  above it is still released (a config is applied whole) but flagged ``backpressure``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import attrs


@attrs.frozen
class BackpressurePolicy:
    """``BackpressureSpec`` of spec 2-7 (seconds here): defaults from runtime-bridges §9.1."""

    max_lag_s: float = 0.016
    debounce_s: float = 0.004
    throttle_s: float | None = None


@attrs.frozen
class PushFlowSpec:
    """``FlowController{mode: push, high_watermark, low_watermark, policy: Auto{...}}``."""

    high_watermark: int = 64 * 1024
    low_watermark: int = 16 * 1024
    policy: BackpressurePolicy = BackpressurePolicy()
    mode: str = "push"

    def __attrs_post_init__(self) -> None:
        if self.high_watermark < self.low_watermark:
            raise ValueError("high_watermark must be >= low_watermark (FeederBug)")


class FileChangeFeeder:
    """Polls one file; :meth:`poll` returns its new bytes when they changed, else ``None``.
    A missing or unreadable file is reported as ``OSError`` text via :attr:`last_error`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int, int] | None = None
        self._last: bytes | None = None
        self.last_error: str | None = None

    def poll(self) -> bytes | None:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if stamp == self._stamp:
                return None
            data = self.path.read_bytes()
        except OSError as exc:
            self.last_error = f"{self.path}: {exc.strerror or exc}"
            self._stamp = None
            return None
        self.last_error = None
        self._stamp = stamp
        if data == self._last:
            return None
        self._last = data
        return data


@attrs.define
class Released:
    data: bytes
    meta: dict[str, Any]


@attrs.define
class PushFlow:
    spec: PushFlowSpec
    consumed_bytes: int = 0
    resume_count: int = 0
    dropped: int = 0
    _pending: bytes | None = None
    _first_at: float | None = None
    _last_at: float = 0.0

    def push(self, data: bytes, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self._pending is not None:
            self.dropped += 1
        self._pending = data
        self._first_at = self._first_at if self._first_at is not None else now
        self._last_at = now

    def release(self, now: float | None = None) -> Released | None:
        """The newest chunk once the debounce window has passed, with its ``StreamMeta``."""
        now = time.monotonic() if now is None else now
        if self._pending is None or now - self._last_at < self.spec.policy.debounce_s:
            return None
        data, first = self._pending, self._first_at or now
        self._pending, self._first_at = None, None
        self.consumed_bytes += len(data)
        self.resume_count += 1
        lag = now - first
        fill = len(data) / self.spec.high_watermark if self.spec.high_watermark else 0.0
        reason = None
        if lag > self.spec.policy.max_lag_s or len(data) > self.spec.high_watermark:
            reason = "pending.backpressure"
        return Released(data, {
            "consumed_bytes": self.consumed_bytes, "resume_count": self.resume_count,
            "lag_nanos": int(lag * 1e9), "buffer_fill_ratio": round(fill, 4),
            "dropped": self.dropped, "last_reason": reason,
        })
