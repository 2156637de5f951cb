"""When and how the text output is coloured (upstream diagnostic-format guide, "カラー出力").

Order of the rules: ``NO_COLOR`` (set and non-empty, no-color.org) disables colour whatever else
says; then ``--color=always`` / ``--color=never``; with ``--color=auto`` (the default)
``FORCE_COLOR`` (set and non-empty) enables it, otherwise only a terminal gets colour — never a
pipe or a file. Colours: error bright red (91), warning bright yellow (93), info/hint bright blue
(94), line numbers cyan (36), the pointer in its severity's colour. ``rich`` renders the SGR
sequences.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TextIO

from rich.color import ColorSystem
from rich.style import Style

MODES = ("auto", "always", "never")
Paint = Callable[[str, str], str]

STYLES = {
    "error": Style.parse("bright_red"),
    "warning": Style.parse("bright_yellow"),
    "info": Style.parse("bright_blue"),
    "hint": Style.parse("bright_blue"),
    "line_number": Style.parse("cyan"),
}


def colour_enabled(mode: str, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


def plain(_role: str, text: str) -> str:
    return text


def ansi(role: str, text: str) -> str:
    """``text`` in the colour of ``role`` (a severity value or ``line_number``)."""
    style = STYLES.get(role)
    if style is None or not text:
        return text
    return style.render(text, color_system=ColorSystem.STANDARD)


def painter(mode: str, stream: TextIO, env: Mapping[str, str] | None = None) -> Paint:
    return ansi if colour_enabled(mode, stream, env) else plain
