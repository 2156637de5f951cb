"""Runtime bridges: hot reload, GPU kernels, instruments (VISA), metrics and GC profiles.

Nothing here imports the CLI or the language server; both reach the runtime through ``reml-run``.
"""
