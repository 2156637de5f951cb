"""GPU kernels behind one launch API: numpy (always) and CuPy (when a CUDA device is present).

``launch(LaunchRequest)`` follows seed §7: ``gpu.init`` audit event, tracked device buffers (each
allocation has its free; a missing free is a defect, released at the end anyway), ``latency_ms``,
``error_code``, checksum, NVML temperature and error events, ``emit_metrics("gpu.kernel", ...)``.
Kernels: ``saxpy``, ``reduce-sum``, ``matmul`` built in; more through the ``reml_lsp.gpu_kernels``
entry-point group (see ``docs/runtime-bridges.md``).
"""

from reml_lsp.runtime.gpu.kernels import GpuKernel, KernelContext, KernelOutput, Param
from reml_lsp.runtime.gpu.launcher import LaunchRequest, launch

__all__ = ["GpuKernel", "KernelContext", "KernelOutput", "LaunchRequest", "Param", "launch"]
