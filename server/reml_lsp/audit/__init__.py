"""The audit store shared by the CLI and the language server (SQLite in WAL mode)."""

from reml_lsp.audit.store import AuditEvent, AuditStore, default_store_path

__all__ = ["AuditEvent", "AuditStore", "default_store_path"]
