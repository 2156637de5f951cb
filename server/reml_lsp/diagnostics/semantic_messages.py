"""Catalog entries of the semantic findings (name resolution, runtime-bridges rules, config
lint), merged into ``catalog.CATALOG``. Arguments arrive already quoted (`` `name` ``)."""

from __future__ import annotations

SEMANTIC: dict[str, dict[str, str]] = {
    "en-US": {
        "name.unresolved": "cannot find {0} in this scope, its imports or the standard library",
        "name.unresolved.member": "module {1} has no member {0}",
        "note.similar_member": "a member with a similar name exists: {0}",
        "fix.replace_member": "replace with {0}",
        "note.unresolved_fragment":
            "this file has no `module` header, so it may be a fragment of a larger module",
        "name.duplicate": "{0} is defined more than once in this module",
        "namespace.conflict": "{0} is already bound in this scope; rename one with `use … as`",
        "note.first_defined": "{0} is first bound here",
        "pattern.binding.duplicate_name": "identifier {0} is bound more than once in this pattern",
        "note.pattern_duplicate": "check for a name bound twice, e.g. with both `as` and `@`",
        "pattern.slice.multiple_rest": "a slice pattern can use `..` only once",
        "note.slice_single_rest": "keep one `..`, as in `[head, ..tail]`",
        "pattern.range.bound_inverted":
            "the lower bound of this range pattern is above its upper bound",
        "note.range_bounds": "start: {0} / end: {1}",
        "typeclass.impl.duplicate": "{1} is implemented more than once for type {0}",
        "note.impl_merge": "merge the implementations of {0} for {1} into one",
        "name.unused.let": "unused variable {0}",
        "name.unused.param": "unused parameter {0}",
        "name.unused.import": "unused import {0}",
        "language.use.invalid_super":
            "`super` cannot be used in the root module {0}: it has no parent module",
        "fix.prefix_underscore": "prefix {0} with `_`",
        "fix.remove_import": "remove the unused import",
        "bridges.unsafe.missing_defer":
            "{0} is acquired in an `unsafe` block without a `defer` that releases it",
        "bridges.unsafe.missing_audit":
            "`unsafe` block without an `audit.log(…)` in the block or its function",
        "bridges.effects.missing_tag":
            "the {0} boundary needs the effect tags {1} (declared: {2})",
        "note.bridges.boundary": "the boundary kind comes from {0} (runtime-bridges guide §1)",
        "fix.insert_defer": "insert {0}",
        "fix.add_effect_tag": "add the effect tag {0}",
        "config.parse.invalid_toml": "invalid TOML: {0}",
        "config.parse.invalid_json": "invalid JSON: {0}",
        "config.parse.encoding": "the file is not UTF-8: {0}",
        "config.parse.too_deep": "nested more than {0} levels deep (arrays, tables, key parts)",
        "config.schema.type_mismatch": "{0} must be {1}, found {2}",
        "config.schema.required_missing": "required key {0} is missing",
        "cli.lint.unknown_domain": "unknown --domain {0}; use one of {1}",
    },
    "ja-JP": {
        "name.unresolved":
            "{0} が見つかりません（スコープ・インポート・標準ライブラリのいずれにもありません）",
        "name.unresolved.member": "モジュール {1} にメンバー {0} はありません",
        "note.similar_member": "似た名前のメンバーがあります: {0}",
        "fix.replace_member": "{0} に置き換える",
        "note.unresolved_fragment":
            "`module` ヘッダがないため、より大きなモジュールの断片である可能性があります",
        "name.duplicate": "{0} がこのモジュール内で重複して定義されています",
        "namespace.conflict":
            "{0} はこのスコープで既に束縛されています。`use … as` で別名を付けてください",
        "note.first_defined": "{0} はここで最初に束縛されています",
        "pattern.binding.duplicate_name": "パターン内で識別子 {0} が重複しています。",
        "note.pattern_duplicate": "`as` と `@` の併用や同名の束縛を見直してください。",
        "pattern.slice.multiple_rest": "スライスパターンで `..` を複数回使用することはできません。",
        "note.slice_single_rest": "`[head, ..tail]` のように `..` は 1 回に絞ってください。",
        "pattern.range.bound_inverted": "範囲パターンの下限と上限が逆転しています。",
        "note.range_bounds": "開始: {0} / 終了: {1}",
        "typeclass.impl.duplicate": "型 {0} に対する {1} 実装が複数回定義されています。",
        "note.impl_merge": "{1} に対する {0} の実装は 1 件に統合してください。",
        "name.unused.let": "変数 {0} は使われていません",
        "name.unused.param": "引数 {0} は使われていません",
        "name.unused.import": "インポート {0} は使われていません",
        "language.use.invalid_super": "ルートモジュール {0} では super を利用できません",
        "fix.prefix_underscore": "{0} の先頭に `_` を付ける",
        "fix.remove_import": "未使用のインポートを削除する",
        "bridges.unsafe.missing_defer":
            "`unsafe` ブロックで確保した {0} を解放する `defer` がありません",
        "bridges.unsafe.missing_audit":
            "`unsafe` ブロック（またはその関数）に `audit.log(…)` がありません",
        "bridges.effects.missing_tag": "{0} 境界には効果タグ {1} が必要です（宣言: {2}）",
        "note.bridges.boundary": "境界の種類は {0} から判定しています（ランタイム連携ガイド §1）",
        "fix.insert_defer": "{0} を挿入する",
        "fix.add_effect_tag": "効果タグ {0} を追加する",
        "config.parse.invalid_toml": "TOML として解釈できません: {0}",
        "config.parse.invalid_json": "JSON として解釈できません: {0}",
        "config.parse.encoding": "ファイルが UTF-8 ではありません: {0}",
        "config.parse.too_deep": "入れ子が {0} 段を超えています（配列・テーブル・キーの段）",
        "config.schema.type_mismatch": "{0} は {1} である必要がありますが {2} です",
        "config.schema.required_missing": "必須キー {0} がありません",
        "cli.lint.unknown_domain":
            "--domain {0} は未知のドメインです。{1} のいずれかを指定してください",
    },
}
