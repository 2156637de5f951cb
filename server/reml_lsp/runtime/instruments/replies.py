"""Parsing instrument replies; anything unexpected is ``instrument.malformed_reply``."""

from __future__ import annotations

import math

from reml_lsp.runtime.bridge_errors import BridgeError


def malformed(resource: str, command: str, reply: str, expected: str) -> BridgeError:
    return BridgeError(
        "instrument.malformed_reply",
        f"{resource} answered {reply!r} to {command!r}; expected {expected}",
        "failure", resource=resource, command=command, reply=reply, expected=expected)


def parse_float(resource: str, command: str, reply: str) -> float:
    try:
        value = float(reply)
    except ValueError:
        raise malformed(resource, command, reply, "a number") from None
    if not math.isfinite(value):
        raise malformed(resource, command, reply, "a finite number")
    return value


def parse_int(resource: str, command: str, reply: str) -> int:
    """Decimal, ``0x``/``0b``/``0o`` prefixed, or an integral float such as ``+1.5E+01``."""
    text = reply.strip()
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise malformed(resource, command, reply, "an integer") from None
    if not math.isfinite(value) or value != int(value):
        raise malformed(resource, command, reply, "an integer")
    return int(value)
