"""The one cattrs converter of reml_lsp's JSON: diagnostics (``diagnostics/serialize.py``
registers its hooks here) and the runtime results (``contract/results.py``).

Structuring is strict, because it reads another process's output: a string field takes only a
string, an integer only an integer (not ``true``), a number an integer or a float. Fields whose
metadata says ``omit_if_none`` are left out of the JSON when they are ``None`` (``error``, a
child's ``pid``): the documented outputs name them as optional keys, not as ``null``.
"""

from __future__ import annotations

from typing import Any, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory, mapping_structure_factory
from cattrs.gen import make_dict_unstructure_fn

OMIT_IF_NONE = "omit_if_none"

converter = cattrs.Converter(omit_if_default=False)


def _strict(kind: type, accepts: tuple[type, ...], name: str):
    def structure(value: Any, cl: Any) -> Any:
        if cl is not kind:  # a subclass: a StrEnum/IntEnum member is made as cattrs does
            return cl(value)
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, accepts):
            raise TypeError(f"expected {name}, got {type(value).__name__} {value!r:.60}")
        return value  # an int stays an int where a number is expected (no 3 → 3.0)

    return structure


# The class hooks also receive their subclasses (``class Severity(StrEnum)``), which
# ``_strict`` passes on to the subclass's own constructor.
for _kind, _accepts, _name in ((str, (str,), "a string"), (int, (int,), "an integer"),
                               (float, (int, float), "a number"), (bool, (bool,), "true or false")):
    converter.register_structure_hook(_kind, _strict(_kind, _accepts, _name))


def _dict_any(value: Any, _: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _is_list(tp: Any) -> bool:
    return get_origin(tp) is list


def _is_dict(tp: Any) -> bool:
    return get_origin(tp) is dict


def _typed_container(factory: Any, kind: type, name: str) -> Any:
    """cattrs' own list/mapping hooks (which locate a bad element), after a type check: without
    it a string would be structured as a list of its characters."""

    def make(tp: Any, conv: cattrs.Converter) -> Any:
        if tp == dict[str, Any]:
            return _dict_any
        inner = factory(tp, conv)

        def structure(value: Any, cl: Any) -> Any:
            if not isinstance(value, kind):
                raise TypeError(f"expected {name}, got {type(value).__name__}")
            return inner(value, cl)

        return structure

    return make


converter.register_structure_hook_factory(
    _is_list, _typed_container(list_structure_factory, list, "an array"))
converter.register_structure_hook_factory(
    _is_dict, _typed_container(mapping_structure_factory, dict, "an object"))


def _omitting(cls: type) -> Any:
    """Unstructure ``cls`` as usual, then drop the ``omit_if_none`` fields that are ``None``."""
    base = make_dict_unstructure_fn(cls, converter)
    omit = [a.name for a in attrs.fields(cls) if a.metadata.get(OMIT_IF_NONE)]
    if not omit:
        return base

    def unstructure(obj: Any) -> dict[str, Any]:
        body = base(obj)
        for name in omit:
            if body.get(name) is None:
                body.pop(name, None)
        return body

    return unstructure


def doc(text: str) -> dict[str, Any]:
    """Field metadata: a description for the generated schema."""
    return {"doc": text}


def optional(text: str = "") -> dict[str, Any]:
    """Field metadata of an optional key: absent from the JSON (not ``null``) when ``None``."""
    return {OMIT_IF_NONE: True, "doc": text}


def register_omitting(cls: type) -> type:
    """Class decorator: unstructure ``cls`` with :func:`_omitting`."""
    converter.register_unstructure_hook(cls, _omitting(cls))
    return cls
