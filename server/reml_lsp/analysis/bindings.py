"""What name resolution produces: a ``Binding`` (a name bound somewhere, with the range where it
is visible) and a ``Reference`` (a use of a name). Offsets are code points."""

from __future__ import annotations

import attrs
from lark import Tree

INF = 1 << 62


@attrs.frozen
class Binding:
    name: str
    kind: str  # function method type variant trait effect operation handler conductor pattern
    #            let var param type_param import module
    start: int  # the name token
    end: int
    scope_start: int  # where the name is visible
    scope_end: int
    top_level: bool = False
    decl: Tree | None = attrs.field(default=None, eq=False, repr=False)
    decl_dpos: int = 0
    path: str | None = None  # imports: the module path the name comes from

    def visible_at(self, offset: int) -> bool:
        return self.scope_start <= offset <= self.scope_end


@attrs.frozen
class Reference:
    name: str
    start: int
    end: int
    role: str  # value | type | ctor | path
