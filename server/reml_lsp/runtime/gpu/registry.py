"""Finding kernels: the built-ins, the ``reml_lsp.gpu_kernels`` entry-point group, and
``$REML_GPU_KERNELS`` (comma-separated ``module:attribute``, for development and tests).

An entry point names either a kernel object or a zero-argument callable (e.g. a class) returning
one. A plugin that fails to load, is not a kernel, or reuses a taken name is skipped and reported
in ``errors`` — it never breaks the built-ins.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points
from typing import Any

import attrs

from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.gpu.kernels import BUILTIN_KERNELS, GpuKernel

ENTRY_POINT_GROUP = "reml_lsp.gpu_kernels"
ENV_VAR = "REML_GPU_KERNELS"


@attrs.define
class KernelRegistry:
    kernels: dict[str, GpuKernel] = attrs.field(factory=dict)
    origins: dict[str, str] = attrs.field(factory=dict)
    errors: list[dict[str, str]] = attrs.field(factory=list)

    def get(self, name: str) -> GpuKernel:
        kernel = self.kernels.get(name)
        if kernel is None:
            raise BridgeError(
                "gpu.unknown_kernel",
                f"no kernel named {name!r} (available: {', '.join(sorted(self.kernels))})",
                "usage",
                kernel=name,
                available=sorted(self.kernels),
            )
        return kernel

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "description": getattr(kernel, "description", ""),
                "origin": self.origins[name],
                "params": [p.as_json() for p in kernel.params],
            }
            for name, kernel in sorted(self.kernels.items())
        ]

    def _add(self, obj: Any, origin: str) -> None:
        if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "launch")):
            kernel = obj()
        else:
            kernel = obj
        if not all(hasattr(kernel, attr) for attr in ("name", "params", "launch")):
            raise TypeError("not a kernel (needs name, params and launch)")
        if kernel.name in self.kernels:
            raise ValueError(f"kernel name {kernel.name!r} is already taken by "
                             f"{self.origins[kernel.name]}")
        self.kernels[kernel.name] = kernel
        self.origins[kernel.name] = origin

    def _try(self, load: Any, origin: str) -> None:
        try:
            self._add(load(), origin)
        except Exception as exc:  # a broken plugin is reported, never fatal
            self.errors.append({"plugin": origin, "error": f"{type(exc).__name__}: {exc}"})


def _load_spec(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module.strip())
    for part in attr.strip().split(".") if attr.strip() else []:
        obj = getattr(obj, part)
    return obj


def load_registry() -> KernelRegistry:
    registry = KernelRegistry()
    for kernel in BUILTIN_KERNELS:
        registry._add(kernel, "builtin")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        registry._try(ep.load, f"entry-point {ep.name} = {ep.value}")
    for spec in filter(None, (s.strip() for s in os.environ.get(ENV_VAR, "").split(","))):
        registry._try(lambda spec=spec: _load_spec(spec), f"{ENV_VAR} {spec}")
    return registry
