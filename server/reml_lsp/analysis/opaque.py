"""Where name resolution must not judge: the parts of a tree built from constructs it does not
model. The grammar grows while this checker stays the same, so the rule is structural: a node
whose type is not in ``KNOWN`` (the node types this checker was written against), and a few known
ones whose names live in another namespace (attribute arguments such as ``@cfg(target_os ==
"linux")``, DSL sections of a ``conductor``, inline IR), make every name under them opaque —
treated as defined, never reported."""

from __future__ import annotations

import weakref

from lark import Tree

from reml_lsp.analysis.tree import span

# Node types (rules and aliases of grammars/reml.lark) whose names the scope walk models.
KNOWN = frozenset("""
active_arg active_name active_pattern active_pattern_decl arg args arm arm_tail array array_type
as_pattern assign at_pattern attributed_block binary block bool_lit bounds break_expr call
char_lit constraint continue_expr ctor_pattern decl_item defer_expr effect_annot effect_decl
empty expr_body extern_decl extern_item field field_init field_pattern field_type fixity
float_lit fn_body fn_decl fn_lambda fn_name fn_sig fn_type for_expr generic_args generic_param
generic_params handle_expr handler_body handler_decl handler_entry handler_return if_expr
impl_decl impl_item index infer_type int_lit item lambda_expr lambda_head lambda_param let_decl
let_stmt literal literal_pattern loop_expr match_arms match_expr module_header module_path
multiline_string_lit name_pattern named_arg named_type neg neg_float_lit neg_int_lit newtype not_
open_form open_form_m open_unary open_unary_m operation_decl or_pattern param param_list params
paren paren_pattern paren_type path path_segment pattern_item pattern_items pattern_path
perform_expr
pipe pipe_expr placeholder range_pattern raw_string_lit record record_pattern record_type
rest_pattern ret_type return_expr script self_ self_pattern slice_pattern start string_lit
sum_type trait_decl trait_item try_ tuple tuple_pattern tuple_type type_alias type_annot type_decl
type_path type_rhs unary unit unit_pattern unit_type unsafe_block use_alias use_brace use_decl
use_item use_root use_self use_super use_tail use_tree var variadic_param variant
variant_with_payload where_clause while_expr wildcard
tuple_elem set_literal record_spread await_expr async_expr typed_record ref_type labeled_type
literal_type literal_union literal_variant param_annot self_param let_fn
""".split())

_CACHE: dict[int, tuple[weakref.ref, list[tuple[int, int]]]] = {}


def opaque_spans(tree: Tree) -> list[tuple[int, int]]:
    """Spans (item-relative) of the opaque parts of one item tree, computed once per tree."""
    key = id(tree)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is tree:
        return hit[1]
    out: list[tuple[int, int]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.data not in KNOWN:
            s = span(node)
            if s is not None:
                out.append(s)
            continue
        stack.extend([c for c in node.children if isinstance(c, Tree)])
    out.sort()
    _CACHE[key] = (weakref.ref(tree, lambda _r, key=key: _CACHE.pop(key, None)), out)
    return out
