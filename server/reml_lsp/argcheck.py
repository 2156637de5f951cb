"""Grammars of the values that name things on a ``reml-run`` command line (docs/security.md).

Shared by the CLI (argparse ``type=`` checks) and the language server (request checks), so that a
value that looks like an option (``--backend=/x/evil.so``) is refused on both sides, whatever
route it took into argv.
"""

from __future__ import annotations

import re

# VISA resource names (VPP-4.3): INTERFACE[board]::…::CLASS; ASRL may carry a device path.
VISA_RESOURCE = re.compile(
    r"^(?:ASRL(?:\d+|/[\w./-]+)?|GPIB\d*|GPIB-VXI\d*|TCPIP\d*|USB\d*|PXI\d*|VXI\d*|VICP\d*)"
    r"(?:::[\w.:\[\]%@+-]+?)*?::(?:INSTR|SOCKET|INTFC|BACKPLANE|MEMACC|RAW|SERVANT)$",
    re.IGNORECASE)
NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def visa_resource_problem(value: str) -> str | None:
    """Why ``value`` is not a VISA resource name, or None."""
    if value.startswith("-"):
        return f"{value!r} looks like an option, not a VISA resource name"
    if not VISA_RESOURCE.match(value):
        return (f"{value!r} is not a VISA resource name (e.g. TCPIP0::10.0.0.5::INSTR, "
                "GPIB0::5::INSTR, ASRL1::INSTR)")
    return None


def name_problem(value: str, what: str = "name") -> str | None:
    """Why ``value`` is not a name (kernel, parameter), or None."""
    if value.startswith("-"):
        return f"{what} {value!r} looks like an option"
    if not NAME.match(value):
        return f"{what} {value!r} must be letters, digits, '_', '.' or '-', starting with a letter"
    return None
