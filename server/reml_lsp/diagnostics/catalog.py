"""Message catalogs (en-US, ja-JP) and locale resolution.

Japanese follows the reference compiler's humanized form (``ここで…のいずれかが必要です``);
English mirrors it. Keys are stable (``message_key``) so clients may re-translate.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from reml_lsp.diagnostics.semantic_messages import SEMANTIC

DEFAULT_LOCALE = "en-US"
SUPPORTED = ("en-US", "ja-JP")

CATALOG: dict[str, dict[str, str]] = {
    "en-US": {
        "parse.unexpected_token": "syntax error: unexpected {0}; {1}",
        "parse.unexpected_eof": "syntax error: unexpected end of input; {1}",
        "effects.handler.missing_with": "`with` is missing in `handle expr with handler …`",
        "lexer.unknown_token": "unknown token {0}",
        "lexer.unterminated_string": "unterminated string literal",
        "lexer.unterminated_char": "unterminated character literal",
        "lexer.unterminated_comment": "unterminated block comment",
        "lexer.bidi_control": "bidirectional control character U+{0} is not allowed here",
        "lexer.skip_token": "the unknown token is skipped",
        "lexer.skip_to_end": "the rest of the file is skipped",
        "lexer.skip_to_item_end": "the rest of this item is skipped",
        "parse.nesting_too_deep": "brackets nested more than {0} deep are not analysed",
        "parse.expression_too_deep":
            "this item nests more than {0} levels deep and is not analysed",
        "diagnostics.truncated":
            "{0} more diagnostics in this file are not shown (limit: {1} per file)",
        "note.unclosed": "{0} opened here is not closed with {1}",
        "context.unclosed": "{1} is needed to close {0}",
        "context.operand_missing": "an expression is needed after the operator",
        "syntax.chained_comparison": "comparison operators cannot be chained: {0} … {1}",
        "syntax.chained_comparison.help": "write `a {0} b && b {1} c`",
        "syntax.missing_separator":
            "`{0}` starts a new statement on the same line: separate statements with `;` or a "
            "newline",
        "syntax.assign_eq": "assignment is written `:=`; `=` is accepted for compatibility",
        "stream.decoder_failed": "invalid UTF-8 byte 0x{0} at byte {1}",
        "pattern.guard.if_deprecated": "`if` guards are deprecated; write `when`",
        "cli.input.not_found": "cannot read {0}: no such file or folder",
        "cli.input.unreadable": "cannot read {0}: {1}",
        "cli.locale.default": "locale {0} is not supported; using en-US",
        "parse.expected.one": "expected {0}",
        "parse.expected.many": "expected one of {0} or {1}",
        "parse.expected.group": "expected {0} or {1}",
        "parse.expected.empty": "no valid continuation here",
        "parse.expected.more": "{0} and {1} more",
        "eof": "end of input",
        "found.eof": "end of input",
        "expr.an_expression": "an expression",
        "expr.a_pattern": "a pattern",
    },
    "ja-JP": {
        "parse.unexpected_token": "構文エラー: {0} を解釈できません。{1}",
        "parse.unexpected_eof": "構文エラー: 入力が途中で終わっています。{1}",
        "effects.handler.missing_with":
            "`handle expr with handler` 構文で `with` キーワードが欠落しています。",
        "lexer.unknown_token": "未定義のトークンを検出しました: {0}",
        "lexer.unterminated_string": "文字列リテラルが閉じられていません",
        "lexer.unterminated_char": "文字リテラルが閉じられていません",
        "lexer.unterminated_comment": "ブロックコメントが閉じられていません",
        "lexer.bidi_control": "双方向制御文字 U+{0} はここでは使用できません",
        "lexer.skip_token": "未定義のトークンをスキップします",
        "lexer.skip_to_end": "ファイル末尾までスキップします",
        "lexer.skip_to_item_end": "この項目の残りをスキップします",
        "parse.nesting_too_deep": "括弧の入れ子が {0} 段を超えているため解析しません",
        "parse.expression_too_deep": "この項目は入れ子が {0} 段を超えているため解析しません",
        "diagnostics.truncated":
            "このファイルの残り {0} 件の診断は表示されません（上限: ファイルごとに {1} 件）",
        "note.unclosed": "ここで開いた {0} が {1} で閉じられていません",
        "context.unclosed": "{0} に対応する {1} が必要です",
        "context.operand_missing": "演算子の後に式が必要です",
        "syntax.chained_comparison": "比較演算子は連鎖できません: {0} … {1}",
        "syntax.chained_comparison.help": "`a {0} b && b {1} c` と書いてください",
        "syntax.missing_separator":
            "`{0}` が同じ行で新しい文を始めています。文は `;` か改行で区切ってください",
        "syntax.assign_eq": "代入は `:=` で書きます。`=` は互換のため受け付けます",
        "stream.decoder_failed": "不正な UTF-8 バイト 0x{0}（{1} バイト目）",
        "pattern.guard.if_deprecated": "`if` ガードは非推奨です。`when` を使ってください",
        "cli.input.not_found": "{0} を読めません: ファイルまたはフォルダがありません",
        "cli.input.unreadable": "{0} を読めません: {1}",
        "cli.locale.default": "ロケール {0} は未対応のため en-US を使用します",
        "parse.expected.one": "ここで{0}が必要です",
        "parse.expected.many": "ここで{0} または {1}のいずれかが必要です",
        "parse.expected.group": "ここで{0}または {1}が必要です",
        "parse.expected.empty": "ここで解釈可能な構文が見つかりません",
        "parse.expected.more": "{0} ほか {1} 件",
        "eof": "入力終端",
        "found.eof": "入力終端",
        "expr.an_expression": "式",
        "expr.a_pattern": "パターン",
    },
}

for _loc, _entries in SEMANTIC.items():  # names, runtime-bridges rules, config lint
    CATALOG[_loc].update(_entries)


def normalize_locale(value: str | None) -> str | None:
    """``ja``, ``ja_JP.UTF-8``, ``ja-jp`` → ``ja-JP``; unknown languages → None."""
    if not value:
        return None
    base = value.split(".")[0].split("@")[0].replace("_", "-")
    lang = base.split("-")[0].lower()
    for loc in SUPPORTED:
        if loc.split("-")[0] == lang:
            return loc
    return None


def resolve_locale(explicit: str | None = None, env: dict[str, str] | None = None
                   ) -> tuple[str, bool]:
    """``explicit`` → ``REML_LOCALE`` → ``LANG`` → en-US. Returns (locale, fell_back) where
    ``fell_back`` is True when a locale was asked for but is not supported."""
    env = os.environ if env is None else env
    for candidate in (explicit, env.get("REML_LOCALE"), env.get("LANG")):
        if candidate and candidate not in ("C", "POSIX", "C.UTF-8"):
            loc = normalize_locale(candidate)
            return (loc, False) if loc else (DEFAULT_LOCALE, True)
    return DEFAULT_LOCALE, False


def message(key: str, locale: str, args: Sequence[str] = ()) -> str:
    table = CATALOG.get(locale) or CATALOG[DEFAULT_LOCALE]
    template = table.get(key) or CATALOG[DEFAULT_LOCALE].get(key) or key
    try:
        return template.format(*args)
    except (IndexError, KeyError):
        return template


def quote(label: str, kind: str, locale: str) -> str:
    if kind in ("keyword", "token"):
        return f"`{label}`"
    if kind == "eof":
        return message("eof", locale)
    return label


def humanize(items: Sequence[tuple[str, str]], locale: str, limit: int | None = None) -> str:
    """``items`` are (label, kind); the reference's sentence, optionally shortened."""
    if not items:
        return message("parse.expected.empty", locale)
    words = [quote(lab, kind, locale) for lab, kind in items]
    sep = "、" if locale == "ja-JP" else ", "
    if limit is not None and len(words) > limit:
        shown = sep.join(words[:limit])
        head = message("parse.expected.more", locale, (shown, str(len(words) - limit)))
        return message("parse.expected.one", locale, (head,))
    if len(words) == 1:
        return message("parse.expected.one", locale, words)
    return message("parse.expected.many", locale, (sep.join(words[:-1]), words[-1]))
