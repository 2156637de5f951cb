"""Flattening a config tree into ``{path: leaf}`` and back.

Leaves are scalars, empty objects and empty arrays (so ``{}`` / ``[]`` survive a round trip); a root
scalar is keyed ``$``. ``unflatten(flatten(v)) == v`` for every JSON value.
"""

from __future__ import annotations

from typing import Any

from reml_lsp.config.errors import ConfigError
from reml_lsp.config.paths import Segment, format_path, parse_path


def type_tag(value: Any) -> str:
    """The type names of ``schema_diff`` (``string``, ``number``, ``bool`` as in the golden)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def same_value(a: Any, b: Any) -> bool:
    """Equality that does not confuse ``true`` with ``1`` (Python's ``True == 1``)."""
    if type_tag(a) != type_tag(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def flatten_segments(value: Any) -> dict[tuple[Segment, ...], Any]:
    out: dict[tuple[Segment, ...], Any] = {}

    def walk(node: Any, prefix: tuple[Segment, ...]) -> None:
        if isinstance(node, dict) and node:
            for key, child in node.items():
                walk(child, (*prefix, str(key)))
        elif isinstance(node, list) and node:
            for index, child in enumerate(node):
                walk(child, (*prefix, index))
        else:
            out[prefix] = node

    walk(value, ())
    return out


def flatten(value: Any) -> dict[str, Any]:
    return {format_path(segs): leaf for segs, leaf in flatten_segments(value).items()}


class _Node:
    """A container being rebuilt; ``kind`` is fixed by the first segment seen under it."""

    __slots__ = ("children", "kind")

    def __init__(self, kind: type) -> None:
        self.kind = kind
        self.children: dict[Segment, Any] = {}


def unflatten(leaves: dict[str, Any]) -> Any:
    """Rebuild a tree; raises ``config.diff.invalid`` when paths conflict or leave array holes."""
    if "$" in leaves:
        if len(leaves) != 1:
            raise ConfigError("config.diff.invalid", "'$' (the root) cannot sit beside other keys")
        return leaves["$"]
    if not leaves:
        return {}
    parsed = [(parse_path(path), leaf) for path, leaf in leaves.items()]
    root = _Node(list if isinstance(parsed[0][0][0], int) else dict)
    for segs, leaf in parsed:
        node = root
        for depth, seg in enumerate(segs):
            want = int if isinstance(seg, int) else str
            if (node.kind is list) != (want is int):
                raise _conflict(segs[:depth], "is both an array and an object")
            last = depth == len(segs) - 1
            if last:
                if seg in node.children:
                    raise _conflict(segs[: depth + 1], "is set twice")
                node.children[seg] = leaf
            else:
                child = node.children.get(seg)
                if child is None:
                    nxt = segs[depth + 1]
                    child = _Node(list if isinstance(nxt, int) else dict)
                    node.children[seg] = child
                elif not isinstance(child, _Node):
                    raise _conflict(segs[: depth + 1], "is both a value and a container")
                node = child
    return _build(root, ())


def _build(node: _Node, prefix: tuple[Segment, ...]) -> Any:
    if node.kind is dict:
        return {
            k: _build(v, (*prefix, k)) if isinstance(v, _Node) else v
            for k, v in node.children.items()
        }
    indices = sorted(node.children)  # type: ignore[type-var]
    if indices != list(range(len(indices))):
        raise _conflict(prefix, f"would have holes (indices {indices})")
    return [
        _build(node.children[i], (*prefix, i))
        if isinstance(node.children[i], _Node)
        else node.children[i]
        for i in indices
    ]


def _conflict(segs: tuple[Segment, ...], why: str) -> ConfigError:
    key = format_path(segs)
    return ConfigError("config.diff.invalid", f"the change set is inconsistent: {key} {why}",
                       key=key)
