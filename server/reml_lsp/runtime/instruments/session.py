"""One place that talks to pyvisa and turns its failures into ``BridgeError``s.

Backends: ``@py`` (pyvisa-py), ``@sim`` (pyvisa-sim; ``--sim-file F`` or ``F@sim`` picks the YAML),
or a path to a VISA shared library. ``$REML_VISA_BACKEND`` sets the default (else ``@py``).

Failure codes: ``instrument.backend_unavailable`` (6), ``instrument.not_found`` (6),
``instrument.unreachable`` (6, connection refused or reset),
``instrument.bad_resource`` (3), ``instrument.timeout`` (7), ``instrument.io_error`` (1).
"""

from __future__ import annotations

import errno
import os
import time
import warnings
from typing import Any

import pyvisa
from pyvisa import constants, rname
from pyvisa.errors import VisaIOError

from reml_lsp.runtime.bridge_errors import BridgeError

DEFAULT_TIMEOUT_MS = 2000
ENV_BACKEND = "REML_VISA_BACKEND"


_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED,
                       errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN}


def _unreachable(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError) or getattr(exc, "errno", None) in _UNREACHABLE_ERRNOS


def backend_spec(backend: str | None, sim_file: str | None = None) -> str:
    """The pyvisa visa_library string for ``--backend`` / ``--sim-file``."""
    spec = backend or os.environ.get(ENV_BACKEND) or "@py"
    if sim_file:
        if spec != "@sim":
            raise BridgeError("instrument.bad_backend",
                              f"--sim-file needs --backend @sim (got {spec!r})", "usage",
                              backend=spec, sim_file=sim_file)
        if not os.path.isfile(sim_file):
            raise BridgeError("instrument.backend_unavailable",
                              f"simulation file {sim_file!r} does not exist", "unavailable",
                              backend=spec, sim_file=sim_file)
        return f"{sim_file}@sim"
    return spec


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "Traceback" in text:  # pyvisa-sim embeds a whole traceback in its message
        head = text.split("'Traceback", 1)[0].strip()
        tail = [ln for ln in text.replace("\\n", "\n").splitlines() if ln.strip()]
        text = f"{head} {tail[-1].strip(chr(39)) if tail else ''}".strip()
    return text


def open_manager(spec: str) -> pyvisa.ResourceManager:
    try:
        return pyvisa.ResourceManager(spec)
    except Exception as exc:  # ValueError, LibraryError, OSError, YAML errors from pyvisa-sim
        raise BridgeError(
            "instrument.backend_unavailable",
            f"VISA backend {spec!r} is not available: {type(exc).__name__}: {_short(exc)}",
            "unavailable",
            backend=spec,
        ) from None


def canonical(resource: str) -> str:
    try:
        return str(rname.parse_resource_name(resource))
    except Exception as exc:  # InvalidResourceName, and pyvisa's own parsing errors
        raise BridgeError("instrument.bad_resource",
                          f"{resource!r} is not a VISA resource name: {_short(exc)}", "usage",
                          resource=resource) from None


def list_resources(spec: str, query: str = "?*::INSTR") -> tuple[list[str], list[str]]:
    """The resources the backend finds, and the notes it raised as Python warnings (pyvisa-py
    says which discovery methods it could not use) instead of letting them reach stderr."""
    rm = open_manager(spec)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", UserWarning)
            found = sorted(rm.list_resources(query))
        return found, sorted({str(w.message) for w in caught})
    except VisaIOError as exc:
        if exc.error_code == constants.StatusCode.error_resource_not_found:
            return [], []
        raise BridgeError("instrument.io_error", f"listing resources failed: {exc}", "failure",
                          backend=spec) from None
    finally:
        rm.close()


class InstrumentSession:
    """An open message-based instrument; every call maps VISA failures to ``BridgeError``."""

    def __init__(self, spec: str, resource: str, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        if timeout_ms <= 0:
            raise BridgeError("instrument.bad_parameter", "--timeout-ms must be positive",
                              "usage", timeout_ms=timeout_ms)
        self.spec = spec
        self.resource = canonical(resource)
        self.timeout_ms = timeout_ms
        self._rm = open_manager(spec)
        try:
            self._inst = self._open()
        except BaseException:
            self._rm.close()
            raise

    def _not_found(self, why: str) -> BridgeError:
        return BridgeError("instrument.not_found",
                           f"instrument {self.resource} not found on backend {self.spec}: {why}",
                           "unavailable", resource=self.resource, backend=self.spec)

    def _open(self) -> Any:
        if self.spec.endswith("@sim"):  # pyvisa-sim "opens" any name: check it is declared
            known = {canonical(r) for r in self._rm.list_resources("?*")}
            if self.resource not in known:
                raise self._not_found(f"declared resources are {', '.join(sorted(known))}")
        try:
            inst = self._rm.open_resource(self.resource, timeout=self.timeout_ms,
                                          read_termination="\n", write_termination="\n")
        except VisaIOError as exc:
            if exc.error_code == constants.StatusCode.error_timeout:
                raise self._timeout("open") from None
            raise self._not_found(_short(exc)) from None
        except (ConnectionError, OSError) as exc:
            if _unreachable(exc):  # refused, reset, no route: the address exists, nobody answers
                raise self._unreachable("open", exc) from None
            raise self._not_found(f"{type(exc).__name__}: {_short(exc)}") from None
        except Exception as exc:  # no such serial port, a backend's own errors, ...
            raise self._not_found(f"{type(exc).__name__}: {_short(exc)}") from None
        if not hasattr(inst, "query"):
            inst.close()
            raise BridgeError("instrument.bad_resource",
                              f"{self.resource} is not a message-based instrument", "usage",
                              resource=self.resource)
        return inst

    def _unreachable(self, command: str, exc: BaseException) -> BridgeError:
        return BridgeError("instrument.unreachable",
                           f"{self.resource}: {command!r}: the instrument cannot be reached "
                           f"({type(exc).__name__}: {_short(exc)})", "unavailable",
                           resource=self.resource, command=command, backend=self.spec)

    def _timeout(self, command: str) -> BridgeError:
        return BridgeError(
            "instrument.timeout",
            f"{self.resource} did not answer {command!r} within {self.timeout_ms} ms",
            "timeout", resource=self.resource, command=command, timeout_ms=self.timeout_ms)

    def _call(self, command: str, op: Any) -> Any:
        try:
            return op()
        except VisaIOError as exc:
            if exc.error_code == constants.StatusCode.error_timeout:
                raise self._timeout(command) from None
            raise BridgeError("instrument.io_error",
                              f"{self.resource}: {command!r} failed: {_short(exc)}", "failure",
                              resource=self.resource, command=command) from None
        except TimeoutError:
            raise self._timeout(command) from None
        except ConnectionError as exc:
            raise self._unreachable(command, exc) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BridgeError("instrument.io_error",
                              f"{self.resource}: {command!r} failed: {type(exc).__name__}: "
                              f"{_short(exc)}", "failure",
                              resource=self.resource, command=command) from None

    def query(self, command: str) -> tuple[str, float]:
        """The reply (termination stripped) and the round-trip time in ms."""
        start = time.perf_counter()
        reply = self._call(command, lambda: self._inst.query(command))
        return str(reply).strip(), (time.perf_counter() - start) * 1000.0

    def write(self, command: str) -> float:
        start = time.perf_counter()
        self._call(command, lambda: self._inst.write(command))
        return (time.perf_counter() - start) * 1000.0

    def read_pending(self, wait_ms: int) -> str | None:
        """A reply the instrument sent on its own after a write (an acknowledgement or a NAK),
        waiting at most ``wait_ms``; None when it sent nothing."""
        previous = self._inst.timeout
        try:
            self._inst.timeout = max(1, wait_ms)
            reply = self._inst.read()
        except VisaIOError as exc:
            if exc.error_code == constants.StatusCode.error_timeout:
                return None
            raise BridgeError("instrument.io_error",
                              f"{self.resource}: reading the reply failed: {_short(exc)}",
                              "failure", resource=self.resource) from None
        except TimeoutError:
            return None
        except Exception:  # a backend that cannot read without a pending reply
            return None
        finally:
            try:
                self._inst.timeout = previous
            except Exception:
                pass
        return str(reply).strip()

    def close(self) -> None:
        for closer in (getattr(self, "_inst", None), self._rm):
            try:
                if closer is not None:
                    closer.close()
            except Exception:
                pass

    def __enter__(self) -> InstrumentSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
