"""The kernel contract (what a plugin implements) and the built-in kernels.

A kernel is any object with ``name``, ``description``, ``params`` (a sequence of ``Param``) and
``launch(ctx, params) -> KernelOutput``. Inside ``launch`` it allocates through ``ctx.alloc``, wraps
the work to be timed in ``with ctx.timed():`` (the context synchronises the device on both sides),
computes ``ctx.checksum(result)`` and frees every buffer with ``ctx.free`` — a buffer it forgets is
reported as a ``gpu.buffer.leak`` defect and released by the tracker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Protocol

import attrs

from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.gpu.backends import Backend
from reml_lsp.runtime.gpu.buffers import BufferTracker

DTYPES = ("float32", "float64")


@attrs.frozen
class Param:
    """One ``--param name=value`` a kernel accepts."""

    name: str
    type: str  # "int", "float" or "str"
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def parse(self, raw: str) -> Any:
        try:
            if self.type == "int":
                value: Any = int(raw, 0)
            elif self.type == "float":
                value = float(raw)
            else:
                value = raw
        except ValueError:
            raise BridgeError(
                "gpu.bad_parameter",
                f"parameter {self.name!r} expects {self.type}, got {raw!r}",
                "usage",
                parameter=self.name,
                value=raw,
            ) from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        if self.type == "float" and value != value:  # NaN
            raise BridgeError("gpu.bad_parameter", f"parameter {self.name!r} is NaN", "usage",
                              parameter=self.name, value=str(value))
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise BridgeError(
                "gpu.bad_parameter",
                f"parameter {self.name!r}={value} is outside [{self.minimum}, {self.maximum}]",
                "usage",
                parameter=self.name,
                value=value,
                minimum=self.minimum,
                maximum=self.maximum,
            )
        if self.choices and value not in self.choices:
            raise BridgeError(
                "gpu.bad_parameter",
                f"parameter {self.name!r}={value!r} is not one of {', '.join(self.choices)}",
                "usage",
                parameter=self.name,
                value=value,
                choices=list(self.choices),
            )
        return value

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "help": self.help,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "choices": list(self.choices) or None,
        }


@attrs.frozen
class KernelOutput:
    checksum: float
    flops: float | None = None  # floating-point operations of one launch, for GFLOP/s
    summary: Mapping[str, Any] = attrs.field(factory=dict)


class KernelContext:
    """What a kernel sees: the array module, tracked allocation, timing, checksum."""

    def __init__(self, backend: Backend, tracker: BufferTracker) -> None:
        self.backend = backend
        self.tracker = tracker
        self.timings_ms: list[float] = []

    @property
    def xp(self) -> ModuleType:
        return self.backend.xp

    def alloc(self, name: str, shape: tuple[int, ...], dtype: str, fill: str = "zeros",
              seed: int = 0) -> Any:
        return self.tracker.alloc(name, shape, dtype, fill, seed)

    def free(self, *arrays: Any) -> None:
        self.tracker.free(*arrays)

    @contextmanager
    def timed(self) -> Iterator[None]:
        self.backend.synchronize()
        start = time.perf_counter()
        yield
        self.backend.synchronize()
        self.timings_ms.append((time.perf_counter() - start) * 1000.0)

    def checksum(self, array: Any) -> float:
        """Sum of the elements in float64: comparable across backends up to rounding."""
        return float(self.xp.sum(array, dtype=self.xp.float64))


class GpuKernel(Protocol):
    name: str
    description: str
    params: Sequence[Param]

    def launch(self, ctx: KernelContext, params: Mapping[str, Any]) -> KernelOutput: ...


_DTYPE = Param("dtype", "str", "float32", "element type", choices=DTYPES)


class Saxpy:
    name = "saxpy"
    description = "y = a·x + y over n elements"
    params = (
        Param("n", "int", 1 << 20, "vector length", 1, 1 << 40),
        Param("a", "float", 2.0, "scalar multiplier"),
        _DTYPE,
    )

    def launch(self, ctx: KernelContext, params: Mapping[str, Any]) -> KernelOutput:
        n, a, dtype = params["n"], params["a"], params["dtype"]
        xp = ctx.xp
        x = ctx.alloc("x", (n,), dtype, "pattern", seed=1)
        y = ctx.alloc("y", (n,), dtype, "pattern", seed=2)
        try:
            scalar = xp.asarray(a, dtype=dtype)
            with ctx.timed():
                xp.multiply(x, scalar, out=x)
                xp.add(x, y, out=y)
            return KernelOutput(ctx.checksum(y), 2.0 * n, {"n": n, "shape": [n]})
        finally:
            ctx.free(x, y)


class ReduceSum:
    name = "reduce-sum"
    description = "sum of n elements"
    params = (Param("n", "int", 1 << 20, "vector length", 1, 1 << 40), _DTYPE)

    def launch(self, ctx: KernelContext, params: Mapping[str, Any]) -> KernelOutput:
        n, dtype = params["n"], params["dtype"]
        x = ctx.alloc("x", (n,), dtype, "pattern", seed=3)
        out = ctx.alloc("sum", (), dtype)
        try:
            with ctx.timed():
                ctx.xp.sum(x, out=out)
            value = float(out)
            return KernelOutput(value, float(n), {"n": n, "sum": value})
        finally:
            ctx.free(x, out)


class Matmul:
    name = "matmul"
    description = "C = A·B for n×n matrices"
    params = (Param("n", "int", 512, "matrix order", 1, 1 << 16), _DTYPE)

    def launch(self, ctx: KernelContext, params: Mapping[str, Any]) -> KernelOutput:
        n, dtype = params["n"], params["dtype"]
        a = ctx.alloc("a", (n, n), dtype, "pattern", seed=4)
        b = ctx.alloc("b", (n, n), dtype, "pattern", seed=5)
        c = ctx.alloc("c", (n, n), dtype, "empty")
        try:
            with ctx.timed():
                ctx.xp.matmul(a, b, out=c)
            return KernelOutput(ctx.checksum(c), 2.0 * n**3, {"n": n, "shape": [n, n]})
        finally:
            ctx.free(a, b, c)


BUILTIN_KERNELS: tuple[GpuKernel, ...] = (Saxpy(), ReduceSum(), Matmul())


def parse_params(kernel: GpuKernel, raw: Sequence[str]) -> dict[str, Any]:
    """``["n=1024", "a=3"]`` → typed, checked values, defaults filled in."""
    specs = {p.name: p for p in kernel.params}
    values: dict[str, Any] = {}
    for item in raw:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BridgeError("gpu.bad_parameter", f"parameter {item!r} is not NAME=VALUE",
                              "usage", parameter=item)
        if name not in specs:
            raise BridgeError(
                "gpu.bad_parameter",
                f"kernel {kernel.name!r} has no parameter {name!r}"
                f" (it takes: {', '.join(specs) or 'none'})",
                "usage",
                parameter=name,
                accepted=list(specs),
            )
        values[name] = specs[name].parse(text.strip())
    for spec in kernel.params:
        values.setdefault(spec.name, spec.default)
    return values
