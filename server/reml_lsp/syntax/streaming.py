"""Streaming runner (spec 2-7 ``Core.Parse.Streaming``): ``run_stream`` / ``resume`` driven by
``DemandHint``, a ``FlowController`` for push/pull/hybrid feeding, and a ``StreamDriver`` that
advances one step per ``pump()``.

Unlike the upstream Rust runner (which re-parses the whole buffer on every chunk), the runner
keeps the parser's committed results between steps: a ``StreamParser`` commits what the buffered
input fully determines (for Reml: whole top-level items, see ``ItemStreamParser``) and only the
uncommitted tail is looked at again when more input arrives.

Bytes are decoded incrementally: a UTF-8 sequence split across chunks is completed by the next
chunk; a truly invalid sequence becomes a located ``DecoderFailed`` finding and the rest is still
parsed.

Why one module above ~400 lines: it is spec 2-7's ``Core.Parse.Streaming`` surface, one set of
names (``DemandHint``, ``FlowController``, ``run_stream``/``resume``, ``StreamDriver`` and its
events) that its users (``syntax.incremental``, ``runtime.watch``, ``reml-run watch``) import
together, and the types are shared by both halves. The seam, if it grows: the pull runner
(``run_stream``/``resume``, up to ``resume``) and the push-mode ``StreamDriver`` with its events
and cancellation (from ``PendingReason`` on).
"""

from __future__ import annotations

import asyncio
import codecs
import enum
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import attrs

from reml_lsp.syntax.decoding import decoder_issues, utf8_width
from reml_lsp.syntax.issues import SyntaxIssue


# ----------------------------------------------------------------------------- demand & feeder
class FrameBoundary(enum.Enum):
    """``TokenClass`` of 2-7: the semantic unit a chunk should end on."""

    STATEMENT = "Statement"
    ITEM = "Item"
    NONE = "None"


@attrs.frozen
class DemandHint:
    min_bytes: int
    preferred_bytes: int | None = None
    frame_boundary: FrameBoundary | None = None

    @classmethod
    def for_edit(cls, edited_span: int) -> DemandHint:
        """The editor's pull request for one text edit (runtime-bridges §10, DESIGN.md)."""
        span = max(1, edited_span)
        return cls(span, span + 1024, FrameBoundary.STATEMENT)


@attrs.frozen
class Chunk:
    data: bytes | str  # bytes are decoded as UTF-8; str comes already decoded (editor buffers)


@attrs.frozen
class Await:
    """No data yet; the caller should resume later."""


@attrs.frozen
class Closed:
    """The input is complete."""


class StreamErrorKind(enum.Enum):
    IO_FAILED = "IoFailed"
    DECODER_FAILED = "DecoderFailed"
    FEEDER_BUG = "FeederBug"
    USER_CANCELLED = "UserCancelled"


@attrs.frozen
class StreamError:
    kind: StreamErrorKind
    message: str
    cause: Any = None


@attrs.frozen
class FeederError:
    error: StreamError


FeederYield = Chunk | Await | Closed | FeederError


class Feeder(Protocol):
    def pull(self, demand: DemandHint) -> FeederYield: ...


class StreamFailure(Exception):
    """Raised by ``run_stream``/``resume`` for a feeder error or a misconfiguration."""

    def __init__(self, error: StreamError, continuation: Continuation | None = None) -> None:
        super().__init__(f"{error.kind.value}: {error.message}")
        self.error = error
        self.continuation = continuation


# ----------------------------------------------------------------------------- flow control
class FlowMode(enum.Enum):
    AUTO = "auto"
    PUSH = "push"
    PULL = "pull"
    HYBRID = "hybrid"

    @classmethod
    def parse(cls, value: FlowMode | str) -> FlowMode:
        """A mode or its name (``"pull"``, any case); anything else is a ``FeederBug`` failure —
        never silently ``auto``."""
        if isinstance(value, FlowMode):
            return value
        if isinstance(value, str):
            for mode in cls:
                if value.strip().lower() == mode.value:
                    return mode
        raise StreamFailure(StreamError(
            StreamErrorKind.FEEDER_BUG,
            f"unknown FlowMode {value!r}: expected one of {', '.join(m.value for m in cls)}"))


def _duration(value: float | None) -> float | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or value < 0):
        raise StreamFailure(StreamError(StreamErrorKind.FEEDER_BUG,
                                        f"a backpressure duration must be >= 0 s, got {value!r}"))
    return value


@attrs.frozen
class BackpressureSpec:
    """Durations in seconds. ``max_lag`` bounds the time from a stream's start to its result:
    once exceeded the driver reports it (``Backpressure``, ``max_lag exceeded``) and stops
    delaying (debounce, throttle, watermark draining) until the stream completes. ``debounce``
    skips a step while no new input came within the window; ``throttle`` is the minimum time
    between two parser steps."""

    max_lag: float | None = attrs.field(default=None, converter=_duration)
    debounce: float | None = attrs.field(default=None, converter=_duration)
    throttle: float | None = attrs.field(default=None, converter=_duration)


@attrs.frozen
class Manual:
    on_demand: bool = True


@attrs.frozen
class Auto:
    backpressure: BackpressureSpec = BackpressureSpec()


@attrs.frozen
class FlowController:
    mode: FlowMode = attrs.field(default=FlowMode.AUTO, converter=FlowMode.parse)
    high_watermark: int = 64 * 1024
    low_watermark: int = 16 * 1024
    policy: Manual | Auto = Manual()
    # the high watermark ``adjust`` may grow back to (None: ``high_watermark`` as configured)
    ceiling: int | None = None

    def validate(self) -> None:
        if self.high_watermark < self.low_watermark:
            raise StreamFailure(StreamError(
                StreamErrorKind.FEEDER_BUG,
                f"high_watermark ({self.high_watermark}) < low_watermark ({self.low_watermark})"))
        if not isinstance(self.policy, (Manual, Auto)):
            raise StreamFailure(StreamError(
                StreamErrorKind.FEEDER_BUG,
                f"policy must be Manual or Auto, got {type(self.policy).__name__}"))

    def with_mode(self, mode: FlowMode | str) -> FlowController:
        return attrs.evolve(self, mode=mode)

    @property
    def backpressure(self) -> BackpressureSpec:
        return self.policy.backpressure if isinstance(self.policy, Auto) else BackpressureSpec()

    def adjust(self, dt: float) -> FlowController:
        """The controller for the next frame after one that took ``dt`` seconds (seed §9.1's
        ``driver.flow = driver.flow.adjust(dt)`` on each game tick).

        With an ``Auto`` policy and a ``max_lag`` budget: a frame over budget halves the high
        watermark (less input drained per pump, never below the low watermark); a frame under
        half the budget grows it by a quarter of the ceiling, back up to the configured
        ``high_watermark``. Otherwise (``Manual``, no ``max_lag``) the controller is unchanged."""
        dt = _duration(dt) or 0.0
        budget = self.backpressure.max_lag
        if budget is None or not isinstance(self.policy, Auto):
            return self
        ceiling = self.ceiling if self.ceiling is not None else self.high_watermark
        if dt > budget:
            high = max(self.low_watermark, self.high_watermark // 2)
        elif dt < budget / 2:
            high = min(ceiling, self.high_watermark + max(1, ceiling // 4))
        else:
            high = self.high_watermark
        return attrs.evolve(self, high_watermark=high, ceiling=ceiling)


@attrs.frozen
class StreamConfig:
    flow: FlowController = FlowController()
    demand: DemandHint = DemandHint(4096, 4096, FrameBoundary.ITEM)
    trace_label: str | None = None


# ----------------------------------------------------------------------------- meta & outcome
@attrs.define
class StreamMeta:
    consumed_bytes: int = 0
    resume_count: int = 0
    lag_nanos: int = 0
    buffer_fill_ratio: float = 0.0
    memo_bytes: int = 0

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class ContinuationMeta:
    commit_watermark: int = 0  # input offset up to which results are final
    buffered: int = 0  # bytes received but not committed
    resume_hint: str | None = None
    expected_tokens: list[str] = attrs.Factory(list)
    last_checkpoint: int | None = None
    trace_label: str | None = None
    resume_lineage: list[int] = attrs.Factory(list)  # commit watermarks of earlier resumes


class StreamParser(Protocol):
    """What the runner drives: consume the decoded buffer, commit what is final."""

    def step(self, text: str, closed: bool) -> bool:
        """Parse as far as ``text`` allows; True when the parse is complete."""

    def result(self) -> Any: ...

    def committed(self) -> int:
        """Characters of ``text`` whose results are final (commit watermark)."""

    def expected_tokens(self, text: str) -> list[str]: ...

    def add_issues(self, issues: list[SyntaxIssue]) -> None: ...


@attrs.define
class Continuation:
    parser: StreamParser
    feeder: Feeder | None
    config: StreamConfig
    text: str = ""
    decoder: Any = attrs.Factory(lambda: codecs.getincrementaldecoder("utf-8")("surrogateescape"))
    closed: bool = False
    meta: StreamMeta = attrs.Factory(StreamMeta)
    cmeta: ContinuationMeta = attrs.Factory(ContinuationMeta)
    started_ns: int = attrs.Factory(time.perf_counter_ns)


@attrs.frozen
class Completed:
    result: Any
    meta: StreamMeta


@attrs.frozen
class Pending:
    continuation: Continuation
    demand: DemandHint
    meta: StreamMeta


StreamOutcome = Completed | Pending


# ----------------------------------------------------------------------------- the runner
def _append(cont: Continuation, data: bytes | str) -> None:
    if isinstance(data, str):
        new = data
        cont.meta.consumed_bytes += utf8_width(data)
    else:
        new = cont.decoder.decode(data)
        cont.meta.consumed_bytes += len(data)
    if new:
        base = len(cont.text)
        cont.text += new
        # new.isascii() keeps the common case free of the scan
        issues = [] if new.isascii() else decoder_issues(cont.text, base)
        if issues:
            cont.parser.add_issues(issues)


def _close(cont: Continuation) -> None:
    tail = cont.decoder.decode(b"", final=True)
    if tail:
        _append(cont, tail)
    cont.closed = True


def _pending(cont: Continuation, demand: DemandHint) -> Pending:
    cont.cmeta.commit_watermark = cont.parser.committed()
    cont.cmeta.buffered = len(cont.text) - cont.cmeta.commit_watermark
    cont.cmeta.expected_tokens = cont.parser.expected_tokens(cont.text)
    cont.cmeta.last_checkpoint = cont.cmeta.commit_watermark
    cont.cmeta.trace_label = cont.config.trace_label
    high = max(1, cont.config.flow.high_watermark)
    cont.meta.buffer_fill_ratio = min(1.0, cont.cmeta.buffered / high)
    cont.meta.lag_nanos = time.perf_counter_ns() - cont.started_ns
    return Pending(cont, demand, cont.meta)


def _drive(cont: Continuation) -> StreamOutcome:
    demand = cont.config.demand
    while True:
        if cont.parser.step(cont.text, cont.closed):
            cont.meta.lag_nanos = time.perf_counter_ns() - cont.started_ns
            return Completed(cont.parser.result(), cont.meta)
        if cont.closed:
            raise StreamFailure(StreamError(StreamErrorKind.FEEDER_BUG,
                                            "the parser wants input after the feeder closed"))
        if cont.feeder is None:
            return _pending(cont, demand)
        got = cont.feeder.pull(demand)
        if isinstance(got, Chunk):
            _append(cont, got.data)
        elif isinstance(got, Closed):
            _close(cont)
        elif isinstance(got, Await):
            return _pending(cont, demand)
        elif isinstance(got, FeederError):
            raise StreamFailure(got.error, cont)
        else:
            raise StreamFailure(StreamError(StreamErrorKind.FEEDER_BUG,
                                            f"feeder returned {got!r}"), cont)


def run_stream(parser: StreamParser, feeder: Feeder | None,
               config: StreamConfig | None = None) -> StreamOutcome:
    config = config or StreamConfig()
    config.flow.validate()
    return _drive(Continuation(parser, feeder, config))


def resume(continuation: Continuation, more: bytes | str | None = None, *,
           closed: bool = False) -> StreamOutcome:
    """Continue a ``Pending`` parse with ``more`` input (and/or the end of input)."""
    cont = continuation
    cont.meta.resume_count += 1
    cont.cmeta.resume_lineage.append(cont.parser.committed())
    if more:
        _append(cont, more)
    if closed:
        _close(cont)
    return _drive(cont)


# ----------------------------------------------------------------------------- driver
class PendingReason(enum.Enum):
    BACKPRESSURE = "Backpressure"
    INPUT_EXHAUSTED = "InputExhausted"
    FEEDER_AWAIT = "FeederAwait"
    FEEDER_CLOSED = "FeederClosed"


@attrs.frozen
class Progress:
    meta: StreamMeta


@attrs.frozen
class PendingEvent:
    reason: PendingReason
    meta: StreamMeta
    resume_hint: str | None = None


@attrs.frozen
class ErrorEvent:
    error: StreamError
    continuation: Continuation | None = None


StreamEvent = Progress | PendingEvent | ErrorEvent


AuditRecord = Callable[[str, str, dict[str, Any]], Any]  # (event, audit_id, payload)


def audit_hook(sink: AuditRecord | Any, audit_id: str) -> Callable[[StreamEvent], None]:
    """``on_diagnostic`` writing ``parser.stream.progress|pending|error`` events to ``sink``: a
    ``record(event, audit_id, payload)`` callable, or an object with such a ``record`` method
    (the runtime/CLI layer passes its audit store; this module opens no store itself)."""
    record: AuditRecord = getattr(sink, "record", sink)

    def hook(event: StreamEvent) -> None:
        if isinstance(event, Progress):
            record("parser.stream.progress", audit_id, event.meta.as_json())
        elif isinstance(event, PendingEvent):
            record("parser.stream.pending", audit_id,
                   {"reason": event.reason.value, "resume_hint": event.resume_hint,
                    **event.meta.as_json()})
        else:
            record("parser.stream.error", audit_id,
                   {"kind": event.error.kind.value, "message": event.error.message,
                    "stream.last_reason": event.error.kind.value})

    return hook


MAX_LAG_HINT = "max_lag exceeded"


class StreamDriver:
    """Advances a stream one step per ``pump()``; outcomes go to ``sink``, events to
    ``on_diagnostic``. Push mode takes data from ``push()``; pull mode asks the feeder.

    Without ``on_diagnostic``, events go to ``audit`` (a ``record(event, audit_id, payload)``
    callable or an audit store, under the driver's ``audit_id``) when given, else nowhere.
    ``flow`` may be replaced between pumps (``driver.flow = driver.flow.adjust(dt)``).
    ``clock`` (seconds, monotonic) is what debounce and throttle measure."""

    def __init__(self, parser: StreamParser, feeder: Feeder | None,
                 sink: Callable[[StreamOutcome], None], flow: FlowController | None = None,
                 on_diagnostic: Callable[[StreamEvent], None] | None = None,
                 demand: DemandHint | None = None, *, audit: AuditRecord | Any = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.flow = flow or FlowController()
        self.flow.validate()
        self.sink = sink
        self.audit_id = str(uuid.uuid4())
        if on_diagnostic is None:
            on_diagnostic = audit_hook(audit, self.audit_id) if audit is not None else \
                (lambda _event: None)
        self.on_diagnostic = on_diagnostic
        self.clock = clock
        self._last_parse: float | None = None
        self.lagging = False  # max_lag exceeded: reported once, delays off until completion
        config = StreamConfig(self.flow, demand or StreamConfig().demand)
        self.state = Continuation(parser, None, config)
        self.feeder = feeder
        self.queue: list[bytes | str] = []
        self.done = False
        self._last_step = 0.0
        self._unparsed = False  # input taken in (drained, or closed) that no step has seen yet
        self._closing = False  # close() came while pushed data was still queued

    @property
    def meta(self) -> StreamMeta:
        return self.state.meta

    def push(self, data: bytes | str) -> None:
        self.queue.append(data)

    def queued_bytes(self) -> int:
        return sum(len(d) for d in self.queue)

    def _pull_mode(self) -> bool:
        mode = self.flow.mode
        if mode is FlowMode.PULL:
            return True
        if mode is FlowMode.PUSH:
            return False
        return not self.queue and self.feeder is not None  # AUTO / HYBRID: push data first

    def pump(self) -> StreamOutcome | None:
        """One step: take input (pushed or pulled), parse, report. None when nothing happened."""
        if self.done:
            return None
        cont = self.state
        self.flow.validate()  # it may have been replaced since the last pump
        spec = self.flow.backpressure
        self._check_lag(spec)
        now = self.clock()
        if spec.debounce and not self.lagging:
            if (now - self._last_step < spec.debounce and not self.queue
                    and not self._unparsed):
                return None
            self._last_step = now
        if (spec.throttle and not self.lagging and self._last_parse is not None
                and now - self._last_parse < spec.throttle):
            return None  # at most one parser step per throttle window
        queued = self.queued_bytes()
        if queued > self.flow.high_watermark and not self.lagging:
            cont.meta.buffer_fill_ratio = min(1.0, queued / max(1, self.flow.high_watermark))
            self.on_diagnostic(PendingEvent(PendingReason.BACKPRESSURE, cont.meta,
                                            "drain below low_watermark"))
            self._drain(self.flow.high_watermark - self.flow.low_watermark)
            return None
        if self._pull_mode():
            got = self.feeder.pull(cont.config.demand)  # type: ignore[union-attr]
            if isinstance(got, Chunk):
                _append(cont, got.data)
            elif isinstance(got, Closed):
                _close(cont)
            elif isinstance(got, Await):
                self.on_diagnostic(PendingEvent(PendingReason.FEEDER_AWAIT, cont.meta))
                return None
            else:
                err = got.error if isinstance(got, FeederError) else StreamError(
                    StreamErrorKind.FEEDER_BUG, f"feeder returned {got!r}")
                self.on_diagnostic(ErrorEvent(err, cont))
                return None
        elif self.queue:
            self._drain(None)
        elif not self._unparsed:
            reason = PendingReason.FEEDER_CLOSED if cont.closed else PendingReason.INPUT_EXHAUSTED
            self.on_diagnostic(PendingEvent(reason, cont.meta))
            return None
        self._unparsed = False
        self._last_parse = now
        try:
            complete = cont.parser.step(cont.text, cont.closed)
        except StreamFailure as exc:
            self.on_diagnostic(ErrorEvent(exc.error, cont))
            return None
        if complete:
            self.done = True
            cont.meta.lag_nanos = time.perf_counter_ns() - cont.started_ns
            outcome: StreamOutcome = Completed(cont.parser.result(), cont.meta)
        else:
            outcome = _pending(cont, cont.config.demand)
            cont.meta.resume_count += 1
        self._check_lag(spec, cont.meta.lag_nanos)
        self.on_diagnostic(Progress(cont.meta))
        self.sink(outcome)
        return outcome

    def _check_lag(self, spec: BackpressureSpec, lag_nanos: int | None = None) -> None:
        """``max_lag``: the first time the stream is older than it, report ``Backpressure``
        (``max_lag exceeded``) and stop delaying until the stream completes."""
        if spec.max_lag is None or self.lagging:
            return
        if lag_nanos is None:
            lag_nanos = time.perf_counter_ns() - self.state.started_ns
        if lag_nanos > spec.max_lag * 1e9:
            self.lagging = True
            self.state.meta.lag_nanos = lag_nanos
            self.on_diagnostic(PendingEvent(PendingReason.BACKPRESSURE, self.state.meta,
                                            MAX_LAG_HINT))

    def close(self) -> None:
        """End of input. Data pushed before ``close()`` comes first: the input is closed (and
        the decoder flushed) once the queue has been drained; the next ``pump()`` then steps the
        parser with ``closed=True`` even when nothing more is queued."""
        if self.queue and self.flow.mode is not FlowMode.PULL:
            self._closing = True
        else:
            _close(self.state)
            self._unparsed = True

    def _drain(self, budget: int | None) -> None:
        while self.queue and (budget is None or budget > 0):
            data = self.queue.pop(0)
            _append(self.state, data)
            self._unparsed = True
            if budget is not None:
                budget -= len(data)
        if self._closing and not self.queue:
            self._closing = False
            _close(self.state)


# ----------------------------------------------------------------------------- async
class CancellationToken:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()


AsyncFeeder = Callable[[DemandHint], Awaitable[FeederYield]]


async def _first_or_cancel(task: asyncio.Task[FeederYield],
                           cancellation: CancellationToken | None) -> FeederYield | None:
    """The task's result, or None as soon as ``cancellation`` fires (the task is cancelled):
    a feeder that never answers cannot hold a cancelled stream."""
    if cancellation is None:
        return await task
    waiter = asyncio.ensure_future(cancellation.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task in done:
        return task.result()
    task.cancel()
    return None


async def run_stream_async(parser: StreamParser, feeder: AsyncFeeder,
                           config: StreamConfig | None = None, *, max_inflight: int = 4,
                           cancellation: CancellationToken | None = None,
                           diagnostics: Callable[[StreamEvent], None] | None = None
                           ) -> Completed:
    """Push/SSE variant: up to ``max_inflight`` pulls are awaited concurrently and their chunks
    applied in request order; cancellation raises ``StreamFailure(UserCancelled)``."""
    config = config or StreamConfig()
    config.flow.validate()
    cont = Continuation(parser, None, config)
    report = diagnostics or (lambda _e: None)
    inflight: list[asyncio.Task[FeederYield]] = []
    closed = False
    try:
        while True:
            if cancellation is not None and cancellation.cancelled:
                err = StreamError(StreamErrorKind.USER_CANCELLED, "cancelled")
                report(ErrorEvent(err, cont))
                raise StreamFailure(err, cont)
            if parser.step(cont.text, cont.closed):
                report(Progress(cont.meta))
                return Completed(parser.result(), cont.meta)
            while not closed and len(inflight) < max(1, max_inflight):
                inflight.append(asyncio.ensure_future(feeder(config.demand)))
            if not inflight:
                raise StreamFailure(StreamError(StreamErrorKind.FEEDER_BUG,
                                                "the parser wants input after the feeder closed"))
            got = await _first_or_cancel(inflight.pop(0), cancellation)
            if got is None:  # cancelled while the feeder was pending
                continue
            if isinstance(got, Chunk):
                _append(cont, got.data)
                report(Progress(cont.meta))
            elif isinstance(got, Closed):
                closed = True
                for task in inflight:
                    task.cancel()
                inflight.clear()
                _close(cont)
            elif isinstance(got, Await):
                report(PendingEvent(PendingReason.FEEDER_AWAIT, cont.meta))
                await asyncio.sleep(0)
            elif isinstance(got, FeederError):
                report(ErrorEvent(got.error, cont))
                raise StreamFailure(got.error, cont)
    finally:
        for task in inflight:
            task.cancel()
