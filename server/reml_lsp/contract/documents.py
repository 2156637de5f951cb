"""Which contract class a ``reml-run`` JSON document is, and structuring it with a located error.

Used both ways: the CLI checks what it is about to print (:func:`conform`), the server reads a
child's output (:func:`read_document`). A document is an :class:`ErrorDocument` when it is the bare
error envelope (``command``, ``status: error``, ``error``, ``exit_code``); otherwise the class of
its ``command`` in :data:`DOCUMENTS`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

import cattrs

from reml_lsp.contract.converter import converter
from reml_lsp.contract.results import DOCUMENTS, ErrorDocument, RuntimeDocument

ENVELOPE_KEYS = frozenset({"command", "status", "error", "exit_code", "pid"})


class ContractError(Exception):
    """A document that does not match its contract class; ``problems`` are located
    (``$.result.version_before: expected an integer, got str 'x'``)."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(f"{what}: " + "; ".join(problems[:5])
                         + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


def document_class(body: dict[str, Any], command: str | None = None) -> type | None:
    """The class of ``body``; ``command`` (the reml-run words that were run) wins over the
    document's own ``command`` field, so a child cannot pick the class it is read as."""
    if body.get("status") == "error" and "error" in body and set(body) <= ENVELOPE_KEYS:
        return ErrorDocument
    name = command if command is not None else body.get("command")
    return DOCUMENTS.get(name) if isinstance(name, str) else None


def structure(body: Any, cls: type) -> Any:
    """``body`` as ``cls``, or :class:`ContractError` listing each bad field with its path."""
    if not isinstance(body, dict):
        raise ContractError(cls.__name__, [f"$: expected an object, got {type(body).__name__}"])
    try:
        return converter.structure(body, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            problems = cattrs.transform_error(exc, path="$", format_exception=_format)
        else:
            problems = [f"$: {exc}"]
        raise ContractError(cls.__name__, problems) from None


def _format(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError) and str(exc).startswith("expected"):
        return str(exc)
    if type(exc).__name__ == "ForbiddenExtraKeysError":
        return f"unexpected keys {sorted(getattr(exc, 'extra_fields', []))}"
    if get_origin(type_) is Literal:
        return f"expected one of {', '.join(map(repr, get_args(type_)))}"
    name = getattr(type_, "__name__", None) or str(type_).replace("typing.", "")
    return f"invalid value ({exc}), expected {name}"


def read_document(body: Any, command: str) -> RuntimeDocument:
    """What the server does with a child's parsed JSON: the typed document of ``command``."""
    if not isinstance(body, dict):
        raise ContractError(f"reml-run {command}",
                            [f"$: expected an object, got {type(body).__name__}"])
    cls = document_class(body, command)
    if cls is None:
        raise ContractError(f"reml-run {command}", ["no contract class for this command"])
    return structure(body, cls)


def conform(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` passed through its contract class (same keys, same values), or ``body`` unchanged
    when its command has no class. Raises :class:`ContractError` if it does not match, or if the
    class would drop a key (a field the runtime added but the contract does not declare)."""
    cls = document_class(body)
    if cls is None:
        return body
    out = converter.unstructure(structure(body, cls))
    if out != body:
        lost = sorted(set(body) - set(out))
        raise ContractError(cls.__name__, [f"$: undeclared or changed fields {lost or '(nested)'}"])
    return out
