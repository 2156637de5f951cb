"""Checking the arguments of the runtime commands before anything runs (docs/security.md).

A command's arguments come from the client, which may be buggy or compromised, or may be passing
on values from an untrusted repository. So: names and resources must not look like options and
must match their grammar (VISA resource names), numbers must be numbers, a VISA library path is
never taken from a request (only ``@py`` / ``@sim``; a library comes from the user's own
``reml.instrument.backend`` setting), and paths are resolved and must lie inside a workspace folder
or the user's cache/state folders — anything else is used only if the user says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.argcheck import name_problem, visa_resource_problem
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.trust import confirm, is_trusted
from reml_lsp.lsp.uris import uri_to_path

__all__ = ["Args", "BadArguments", "Refused", "confirm"]

REQUEST_BACKENDS = ("@py", "@sim")


class BadArguments(Exception):
    """A malformed argument: reported as ``lsp.runtime.bad_argument`` (exit 3)."""


class Refused(Exception):
    """A request the user did not confirm, or one that is never allowed: exit 5."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def one_object(args: tuple[Any, ...]) -> dict[str, Any]:
    if not args:
        return {}
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]
    raise BadArguments("expected one object argument")


def name(value: Any, what: str) -> str:
    """A kernel or parameter name: an identifier, never something that starts with ``-``."""
    problem = name_problem(value, what) if isinstance(value, str) else f"{what} is required"
    if problem:
        raise BadArguments(problem)
    return value


def visa_resource(value: Any, what: str = "resource") -> str:
    problem = visa_resource_problem(value) if isinstance(value, str) else f"{what} is required"
    if problem:
        raise BadArguments(problem)
    return value


def text(value: Any, what: str) -> str:
    """A free-text value (a SCPI command): one line of printable characters."""
    if not isinstance(value, str) or not value or any(c in value for c in "\0\r\n"):
        raise BadArguments(f"{what} must be one line of text, got {value!r}")
    return value


def integer(value: Any, what: str, low: int = 0, high: int = 10**9) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value \
            or not low <= int(value) <= high:
        raise BadArguments(f"{what} must be an integer in {low}..{high}, got {value!r}")
    return int(value)


def number(value: Any, what: str, low: float = 0.0) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise BadArguments(f"{what} must be a number ≥ {low:g}, got {value!r}")
    return float(value)


def backend(ls: RemlServer, value: Any) -> str | None:
    """``@py``/``@sim`` from the request; a VISA library only from the user's setting."""
    if value is None or value == "":
        return ls.settings.instrument_backend
    if value not in REQUEST_BACKENDS:
        raise Refused("lsp.runtime.backend_refused",
                      f"backend {value!r} refused: a request may only choose "
                      f"{' or '.join(REQUEST_BACKENDS)}; a VISA library is loaded only from "
                      "your user setting reml.instrument.backend or $REML_VISA_BACKEND")
    return str(value)


async def path(ls: RemlServer, value: Any, what: str, command: str, *,
               writes: bool = False) -> Path:
    """``value`` (a path or a file URI) resolved (links followed, relative to the first
    workspace folder); outside the trusted folders the user is asked first."""
    if not isinstance(value, str) or not value or "\0" in value:
        raise BadArguments(f"{what} is required (a path or a file URI)")
    raw = uri_to_path(value) if value.startswith("file:") else Path(value)
    if raw is None:
        raise BadArguments(f"{what}: not a file: {value}")
    if not raw.is_absolute():
        if not ls.roots:
            raise BadArguments(f"{what}: a relative path needs a workspace folder: {value}")
        raw = ls.roots[0] / raw
    resolved = raw.resolve()
    if is_trusted(resolved, ls.roots, reading=not writes):
        return resolved
    role = "changes" if writes else "reads"
    question = (f"{command} {role} {resolved}, which is outside the workspace"
                f"{' (through a symbolic link)' if resolved != Path(os.path.abspath(raw)) else ''}"
                ". Allow it?")
    if not await confirm(ls, question, "Allow"):
        raise Refused("lsp.runtime.outside_workspace",
                      f"{what} {resolved} is outside the workspace and was not confirmed")
    return resolved


@attrs.define
class Args:
    """One command's arguments (the single object a client sends) with the checks above bound to
    them: ``await a.path("old")`` checks ``old`` as a path of this command, with its name in the
    error. A handler reads its arguments only through these."""

    ls: RemlServer
    command: str
    raw: dict[str, Any]

    @classmethod
    def of(cls, ls: RemlServer, command: str, args: tuple[Any, ...]) -> Args:
        return cls(ls, command, one_object(args))

    def given(self, key: str) -> bool:
        """Whether ``key`` has a value (absent, null and "" are the same: not given)."""
        return self.raw.get(key) not in (None, "")

    def flag(self, key: str) -> bool:
        return bool(self.raw.get(key))

    async def path(self, key: str, *, writes: bool = False) -> Path:
        return await path(self.ls, self.raw.get(key), key, self.command, writes=writes)

    async def optional_path(self, key: str, *, writes: bool = False) -> Path | None:
        return await self.path(key, writes=writes) if self.given(key) else None

    def name(self, key: str, what: str | None = None) -> str:
        return name(self.raw.get(key), what or key)

    def resource(self, key: str = "resource") -> str:
        return visa_resource(self.raw.get(key), key)

    def optional_resource(self, key: str = "resource") -> str | None:
        return self.resource(key) if self.given(key) else None

    def text(self, key: str) -> str:
        return text(self.raw.get(key), key)

    def integer(self, key: str, low: int = 0, high: int = 10**9) -> int | None:
        return integer(self.raw.get(key), key, low, high)

    def number(self, key: str, low: float = 0.0) -> float | None:
        return number(self.raw.get(key), key, low)

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.raw.get(key)
        if value in (None, ""):
            return None
        if value not in choices:
            raise BadArguments(f"{key} must be {', '.join(choices[:-1])} or {choices[-1]}, "
                               f"got {value!r}")
        return str(value)

    def backend(self, key: str = "backend") -> str | None:
        return backend(self.ls, self.raw.get(key))

    def params(self, key: str = "params") -> dict[str, str | int | float]:
        """Kernel parameters: an object of identifier → string or number."""
        value = self.raw.get(key) or {}
        if not isinstance(value, dict):
            raise BadArguments(f"{key} must be an object")
        for k, v in value.items():
            if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                raise BadArguments(f"{key}.{k} must be a string or a number")
            name(k, "parameter name")
        return value
