"""Array backends: ``numpy`` (host, always there) and ``cupy`` (a CUDA device, when importable).

A backend names its devices, makes one current, synchronises, reports free memory and recognises
its own out-of-memory exception. CuPy is imported lazily so that machines without it pay nothing.
"""

from __future__ import annotations

import os
import platform
from types import ModuleType
from typing import Any, Protocol

import numpy

from reml_lsp.runtime.bridge_errors import BridgeError

BACKEND_NAMES = ("numpy", "cupy")


class Backend(Protocol):
    name: str
    xp: ModuleType

    def devices(self) -> list[dict[str, Any]]: ...

    def select(self, device_id: int) -> dict[str, Any]: ...

    def synchronize(self) -> None: ...

    def free_memory(self) -> int | None: ...

    def is_out_of_memory(self, exc: BaseException) -> bool: ...

    def release_pool(self) -> None: ...

    def pci_bus_id(self) -> str | None: ...


def _meminfo(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def host_memory() -> tuple[int | None, int | None]:
    """(total, available) host memory in bytes, ``None`` where the platform does not say."""
    total = _meminfo("MemTotal")
    avail = _meminfo("MemAvailable")
    if total is None:
        try:
            page = os.sysconf("SC_PAGE_SIZE")
            total = os.sysconf("SC_PHYS_PAGES") * page
            avail = os.sysconf("SC_AVPHYS_PAGES") * page
        except (ValueError, OSError, AttributeError):
            return None, None
    return total, avail


class NumpyBackend:
    """The host: one device (id 0) whose memory is the machine's RAM."""

    name = "numpy"
    xp: ModuleType = numpy

    def devices(self) -> list[dict[str, Any]]:
        total, avail = host_memory()
        return [
            {
                "backend": self.name,
                "id": 0,
                "name": f"host CPU ({platform.machine() or 'unknown'}, {os.cpu_count()} cores)",
                "kind": "cpu",
                "memory_total_bytes": total,
                "memory_free_bytes": avail,
                "numpy_version": numpy.__version__,
            }
        ]

    def select(self, device_id: int) -> dict[str, Any]:
        if device_id != 0:
            raise BridgeError(
                "gpu.device_not_found",
                f"device {device_id} does not exist on backend numpy (only device 0, the host)",
                "unavailable",
                backend=self.name,
                device=device_id,
                available_devices=[0],
            )
        return self.devices()[0]

    def synchronize(self) -> None:
        return None

    def free_memory(self) -> int | None:
        return host_memory()[1]

    def is_out_of_memory(self, exc: BaseException) -> bool:
        return isinstance(exc, MemoryError)

    def release_pool(self) -> None:
        return None

    def pci_bus_id(self) -> str | None:
        return None


class CupyBackend:
    """A CUDA device through CuPy; ``probe()`` says why it is unavailable when it is."""

    name = "cupy"

    def __init__(self, cupy: ModuleType) -> None:
        self.xp = cupy
        self._device_id = 0

    @staticmethod
    def probe() -> tuple[CupyBackend | None, str | None]:
        try:
            import cupy  # type: ignore[import-not-found]
        except Exception as exc:  # ImportError, or a broken CUDA install raising at import
            return None, f"cupy is not importable ({type(exc).__name__}: {exc})"
        try:
            count = int(cupy.cuda.runtime.getDeviceCount())
        except Exception as exc:
            return None, f"no usable CUDA runtime ({type(exc).__name__}: {exc})"
        if count == 0:
            return None, "cupy is installed but no CUDA device is visible"
        return CupyBackend(cupy), None

    def _count(self) -> int:
        return int(self.xp.cuda.runtime.getDeviceCount())

    def _describe(self, device_id: int) -> dict[str, Any]:
        runtime = self.xp.cuda.runtime
        props = runtime.getDeviceProperties(device_id)
        name = props.get("name", b"")
        with self.xp.cuda.Device(device_id):
            free, total = runtime.memGetInfo()
        return {
            "backend": self.name,
            "id": device_id,
            "name": name.decode() if isinstance(name, bytes) else str(name),
            "kind": "cuda",
            "compute_capability": f"{props.get('major')}.{props.get('minor')}",
            "memory_total_bytes": int(total),
            "memory_free_bytes": int(free),
            "pci_bus_id": self.xp.cuda.Device(device_id).pci_bus_id,
            "cupy_version": self.xp.__version__,
        }

    def devices(self) -> list[dict[str, Any]]:
        return [self._describe(i) for i in range(self._count())]

    def select(self, device_id: int) -> dict[str, Any]:
        count = self._count()
        if not 0 <= device_id < count:
            raise BridgeError(
                "gpu.device_not_found",
                f"CUDA device {device_id} does not exist ({count} visible)",
                "unavailable",
                backend=self.name,
                device=device_id,
                available_devices=list(range(count)),
            )
        self._device_id = device_id
        self.xp.cuda.Device(device_id).use()
        return self._describe(device_id)

    def synchronize(self) -> None:
        self.xp.cuda.Device(self._device_id).synchronize()

    def free_memory(self) -> int | None:
        free, _total = self.xp.cuda.runtime.memGetInfo()
        return int(free) + int(self.xp.get_default_memory_pool().free_bytes())

    def is_out_of_memory(self, exc: BaseException) -> bool:
        oom = getattr(self.xp.cuda.memory, "OutOfMemoryError", None)
        return isinstance(exc, MemoryError) or (oom is not None and isinstance(exc, oom))

    def release_pool(self) -> None:
        self.xp.get_default_memory_pool().free_all_blocks()
        self.xp.get_pinned_memory_pool().free_all_blocks()

    def pci_bus_id(self) -> str | None:
        return str(self.xp.cuda.Device(self._device_id).pci_bus_id)


def availability() -> dict[str, dict[str, Any]]:
    """Which backends this machine offers, with the reason when one is missing."""
    cupy, reason = CupyBackend.probe()
    return {
        "numpy": {"available": True, "version": numpy.__version__},
        "cupy": {"available": cupy is not None, "reason": reason}
        | ({"version": cupy.xp.__version__} if cupy is not None else {}),
    }


def resolve_backend(choice: str) -> Backend:
    """``auto`` → CuPy when usable, else numpy; ``cupy`` fails clearly when it is not usable."""
    if choice not in (*BACKEND_NAMES, "auto"):
        raise BridgeError(
            "gpu.bad_parameter",
            f"unknown backend {choice!r} (expected auto, numpy or cupy)",
            "usage",
            backend=choice,
        )
    if choice == "numpy":
        return NumpyBackend()
    cupy, reason = CupyBackend.probe()
    if cupy is not None:
        return cupy
    if choice == "auto":
        return NumpyBackend()
    raise BridgeError(
        "gpu.backend_unavailable",
        f"the cupy backend is not available: {reason}",
        "unavailable",
        backend="cupy",
        reason=reason,
    )
