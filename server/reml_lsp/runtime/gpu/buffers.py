"""Device buffer tracking: every allocation is recorded with its free (seed §6/§7, the ``defer``
rule). A buffer still live when a launch ends is a *defect* (``gpu.buffer.leak``); the tracker
releases it anyway, so a faulty kernel never keeps device memory after its launch.

Before allocating, the tracker checks the request against the budget (``--max-memory-mb``) and the
device's free memory, so an impossible request fails cleanly as ``gpu.out_of_memory`` instead of
letting the allocator (or the kernel's OOM killer) decide.
"""

from __future__ import annotations

from typing import Any

import attrs

from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.gpu.backends import Backend


@attrs.define
class BufferRecord:
    id: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int
    released_by: str | None = None  # "kernel" (its own free) or "tracker" (a leak, released)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "nbytes": self.nbytes,
            "released_by": self.released_by,
        }


class BufferTracker:
    """Allocates through the backend and remembers every live buffer until it is freed."""

    def __init__(self, backend: Backend, limit_bytes: int | None = None) -> None:
        self.backend = backend
        self.limit_bytes = limit_bytes
        self.records: list[BufferRecord] = []
        self._live: dict[int, tuple[BufferRecord, Any]] = {}
        self.live_bytes = 0
        self.peak_bytes = 0
        self._next_id = 1

    def _check_budget(self, name: str, nbytes: int) -> None:
        wanted = self.live_bytes + nbytes
        if self.limit_bytes is not None and wanted > self.limit_bytes:
            raise BridgeError(
                "gpu.out_of_memory",
                f"buffer {name!r} needs {nbytes} bytes: {wanted} live bytes would exceed the "
                f"budget of {self.limit_bytes} bytes",
                "failure",
                buffer=name,
                requested_bytes=nbytes,
                live_bytes=self.live_bytes,
                limit_bytes=self.limit_bytes,
            )
        free = self.backend.free_memory()
        if free is not None and nbytes > free:
            raise BridgeError(
                "gpu.out_of_memory",
                f"buffer {name!r} needs {nbytes} bytes but the {self.backend.name} device has "
                f"{free} bytes free",
                "failure",
                buffer=name,
                requested_bytes=nbytes,
                free_bytes=free,
            )

    def alloc(self, name: str, shape: tuple[int, ...], dtype: str, fill: str = "zeros",
              seed: int = 0) -> Any:
        """A tracked array; ``fill`` is ``zeros``, ``empty`` or ``pattern`` (deterministic values
        in [-0.5, 0.5), identical on every backend so checksums can be compared)."""
        xp = self.backend.xp
        itemsize = xp.dtype(dtype).itemsize
        count = 1
        for dim in shape:
            count *= int(dim)
        nbytes = count * itemsize
        self._check_budget(name, nbytes)
        try:
            if fill == "pattern":
                idx = xp.arange(count, dtype=xp.int64)
                idx *= 7919
                idx += 31 * seed
                idx %= 1021
                array = (idx.astype(dtype) / 1021 - 0.5).astype(dtype).reshape(shape)
                del idx
            elif fill == "empty":
                array = xp.empty(shape, dtype=dtype)
            else:
                array = xp.zeros(shape, dtype=dtype)
        except Exception as exc:
            if self.backend.is_out_of_memory(exc):
                raise BridgeError(
                    "gpu.out_of_memory",
                    f"the {self.backend.name} allocator could not provide {nbytes} bytes for "
                    f"buffer {name!r}: {exc}",
                    "failure",
                    buffer=name,
                    requested_bytes=nbytes,
                ) from None
            raise
        record = BufferRecord(self._next_id, name, tuple(int(d) for d in shape), str(dtype),
                              nbytes)
        self._next_id += 1
        self.records.append(record)
        self._live[id(array)] = (record, array)
        self.live_bytes += nbytes
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)
        return array

    def free(self, *arrays: Any) -> None:
        """Release tracked arrays (the kernel's ``defer``); freeing twice is a no-op."""
        for array in arrays:
            entry = self._live.pop(id(array), None)
            if entry is None:
                continue
            record, _ = entry
            record.released_by = "kernel"
            self.live_bytes -= record.nbytes

    def live(self) -> list[BufferRecord]:
        return [record for record, _ in self._live.values()]

    def release_all(self) -> list[BufferRecord]:
        """Free whatever is still live and return those records (the leaks)."""
        leaked = self.live()
        for record in leaked:
            record.released_by = "tracker"
        self._live.clear()
        self.live_bytes = 0
        self.backend.release_pool()
        return leaked

    def summary(self) -> dict[str, Any]:
        return {
            "allocations": len(self.records),
            "freed_by_kernel": sum(1 for r in self.records if r.released_by == "kernel"),
            "released_by_tracker": sum(1 for r in self.records if r.released_by == "tracker"),
            "peak_bytes": self.peak_bytes,
            "limit_bytes": self.limit_bytes,
        }
