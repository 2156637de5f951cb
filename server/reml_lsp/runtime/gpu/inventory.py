"""``gpu devices``: what each backend offers on this machine, with NVML health for CUDA devices."""

from __future__ import annotations

from typing import Any

from reml_lsp.runtime.gpu.backends import CupyBackend, NumpyBackend, availability
from reml_lsp.runtime.gpu.nvml import NvmlWatch


def inventory() -> dict[str, Any]:
    backends = availability()
    devices = NumpyBackend().devices()
    cupy, _reason = CupyBackend.probe()
    if cupy is not None:
        for dev in cupy.devices():
            watch = NvmlWatch(dev.get("pci_bus_id"))
            dev["nvml"] = watch.snapshot()
            watch.close()
            devices.append(dev)
    default = "cupy" if cupy is not None else "numpy"
    return {"backends": backends, "auto_backend": default, "devices": devices}
