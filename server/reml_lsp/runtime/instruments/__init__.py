"""Instrument bus through VISA (pyvisa): ``@py`` (pyvisa-py, real hardware), ``@sim``
(pyvisa-sim, tests) or a VISA library path. Operations: list, query, write, telemetry (seed §8)
and ``apply`` of a register map with read-back verification, fail-safe and rollback.
"""

from reml_lsp.runtime.instruments.session import InstrumentSession, open_manager

__all__ = ["InstrumentSession", "open_manager"]
