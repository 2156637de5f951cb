"""Device health through NVML (``nvidia-ml-py``): temperature, power, memory and Xid error events.

Everything here is best-effort: no NVML library, no permission or an unsupported query gives
``available: false`` with the reason, never an exception.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def _nvml() -> tuple[ModuleType | None, str | None]:
    try:
        import pynvml  # nvidia-ml-py
    except Exception as exc:
        return None, f"nvidia-ml-py is not importable ({exc})"
    try:
        pynvml.nvmlInit()
    except Exception as exc:
        return None, f"NVML is not available ({type(exc).__name__}: {exc})"
    return pynvml, None


def _safe(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:
        return None


class NvmlWatch:
    """Opened around one launch: a snapshot before, a snapshot and the Xid events after."""

    def __init__(self, pci_bus_id: str | None) -> None:
        self.reason: str | None = None
        self._nv: ModuleType | None = None
        self._handle: Any = None
        self._events: Any = None
        if pci_bus_id is None:
            self.reason = "not a CUDA device"
            return
        nv, reason = _nvml()
        if nv is None:
            self.reason = reason
            return
        try:
            self._handle = nv.nvmlDeviceGetHandleByPciBusId(pci_bus_id.encode())
        except Exception as exc:
            self.reason = f"NVML does not know device {pci_bus_id} ({exc})"
            _safe(nv.nvmlShutdown)
            return
        self._nv = nv
        try:
            self._events = nv.nvmlEventSetCreate()
            nv.nvmlDeviceRegisterEvents(self._handle, nv.nvmlEventTypeXidCriticalError,
                                        self._events)
        except Exception:
            self._events = None  # event API not supported here: snapshots still work

    @property
    def available(self) -> bool:
        return self._nv is not None

    def snapshot(self) -> dict[str, Any]:
        if self._nv is None:
            return {"available": False, "reason": self.reason}
        nv, h = self._nv, self._handle
        temp = _safe(nv.nvmlDeviceGetTemperature, h, nv.NVML_TEMPERATURE_GPU)
        power = _safe(nv.nvmlDeviceGetPowerUsage, h)
        mem = _safe(nv.nvmlDeviceGetMemoryInfo, h)
        util = _safe(nv.nvmlDeviceGetUtilizationRates, h)
        return {
            "available": True,
            "temperature_c": temp,
            "power_w": power / 1000.0 if power is not None else None,
            "memory_used_bytes": int(mem.used) if mem is not None else None,
            "utilization_percent": int(util.gpu) if util is not None else None,
        }

    def error_events(self) -> list[dict[str, Any]]:
        """Xid critical errors seen since the watch was opened (waits 0 ms)."""
        if self._nv is None or self._events is None:
            return []
        found: list[dict[str, Any]] = []
        for _ in range(64):
            try:
                data = self._nv.nvmlEventSetWait_v2(self._events, 0)
            except Exception:  # NVMLError_Timeout: no (more) events
                break
            found.append({"event": "xid", "xid": int(getattr(data, "eventData", 0) or 0)})
        return found

    def close(self) -> None:
        if self._nv is None:
            return
        if self._events is not None:
            _safe(self._nv.nvmlEventSetFree, self._events)
        _safe(self._nv.nvmlShutdown)
        self._nv = None
