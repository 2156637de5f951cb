"""Config files: loading (JSON/TOML), schema, flattened key paths, ``compare`` (change_set and
schema_diff), dangerous-change classification, ``apply_diff`` and validation.

Pure data in, data out: nothing here knows of the CLI, the runtime or the language server.
"""

from reml_lsp.config.apply import apply_diff
from reml_lsp.config.compare import Change, ChangeSet, compare
from reml_lsp.config.dangerous import DangerousChange, classify
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import LoadedConfig, dump_config, load_config
from reml_lsp.config.schema import FieldSpec, Schema, load_schema
from reml_lsp.config.validate import ValidationIssue, validate

__all__ = [
    "Change",
    "ChangeSet",
    "ConfigError",
    "DangerousChange",
    "FieldSpec",
    "LoadedConfig",
    "Schema",
    "ValidationIssue",
    "apply_diff",
    "classify",
    "compare",
    "dump_config",
    "load_config",
    "load_schema",
    "validate",
]
