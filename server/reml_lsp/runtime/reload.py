"""Hot reload of a runtime state file (runtime-bridges §2), and its rollback.

``reload`` steps, in order:

1. read the state and the diff (``change_set`` items as printed by ``reml-run diff``);
2. stale check: the diff's ``base.digest`` (or, for diffs without one, every item's ``previous``)
   must match the state's config — otherwise ``rejected`` (``config.diff.stale``);
3. ``apply_diff``, then ``compare`` the result with the state again: the diff must describe exactly
   that change (``config.diff.invalid`` otherwise);
4. classify dangerous changes; ``rejected`` (``config.diff.dangerous``) unless allowed;
5. validate the new config against the state's schema — ``failed`` with the issues otherwise;
6. (``--dry-run`` stops here) save a RollbackInfo, replace the state atomically, record
   ``reml.reload`` in the audit store; a failure after the write restores the old state.

Nothing here knows of the CLI: results are :class:`ReloadOutcome` values, failures before any
change are :class:`ConfigError` turned into outcomes by :func:`outcome_for_error`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from reml_lsp.audit.store import AuditStore
from reml_lsp.config.apply import apply_diff, stale_conflicts
from reml_lsp.config.canonical import digest
from reml_lsp.config.compare import ChangeSet, change_set_from_json, compare
from reml_lsp.config.dangerous import DangerousChange, classify, restart_required
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.schema import SchemaVersion, parse_version
from reml_lsp.config.validate import validate
from reml_lsp.contract.results import ReloadResult, ReloadStatus
from reml_lsp.runtime.filelock import exclusive_lock
from reml_lsp.runtime.operation_id import operation_id
from reml_lsp.runtime.rollback import RollbackInfo
from reml_lsp.runtime.state_file import RuntimeState, parse_state
from reml_lsp.runtime.transaction import commit_file, read_current, rollback_file

Status = ReloadStatus  # one list of outcomes, the contract's
RELOAD_EVENT = "reml.reload"
ROLLBACK_EVENT = "reml.rollback"
DANGEROUS_EVENT = "reml.reload.dangerous_allowed"


@attrs.define
class ReloadOutcome:
    status: Status
    audit_id: str | None
    errors: list[dict[str, Any]] = attrs.Factory(list)
    change_set: dict[str, Any] | None = None
    dangerous: list[dict[str, Any]] = attrs.Factory(list)
    restart_required: list[str] = attrs.Factory(list)
    version_before: int | None = None
    version_after: int | None = None
    rolled_back: bool = False
    rollback: dict[str, Any] | None = None  # the RollbackInfo saved or restored (no content)
    diff_audit_id: str | None = None  # the diff document's own id (names the diff, not this op)
    diff_sha256: str | None = None  # digest of the diff document applied
    error: ConfigError | None = None

    def as_json(self) -> dict[str, Any]:
        body = attrs.asdict(self, filter=lambda a, _: a.name != "error")
        return body

    def result(self, *, audited: bool) -> ReloadResult:
        """The outcome as the contract prints it (``reml-run reload``'s ``result``);
        ``audited``: the store recorded it (a dry run never is)."""
        return ReloadResult(**self.as_json(), audited=audited and self.status != "dry-run")


def outcome_for_error(err: ConfigError, audit_id: str | None = None) -> ReloadOutcome:
    """``rejected`` for refusals, ``failed`` for everything else; the error is the one entry."""
    status: Status = "rejected" if err.kind == "rejected" else "failed"
    return ReloadOutcome(status, audit_id or err.details.get("audit_id"), [err.as_json()],
                         rolled_back=bool(err.details.get("rolled_back")), error=err)


def _diff_sha(doc: Any) -> str:
    return digest(doc)


def _link_diff(outcome: ReloadOutcome, doc: Any) -> None:
    """Record which diff this operation applied (its id and content hash) with the outcome."""
    outcome.diff_sha256 = _diff_sha(doc)
    if isinstance(doc, dict) and isinstance(doc.get("audit_id"), str):
        outcome.diff_audit_id = doc["audit_id"]


def _target_version(doc: dict[str, Any]) -> SchemaVersion | None:
    for key in ("target_schema", "schema"):
        summary = doc.get(key)
        if isinstance(summary, dict) and summary.get("version") is not None:
            try:
                return parse_version(summary["version"], f"diff {key}")
            except ConfigError as exc:
                raise ConfigError("config.diff.invalid", exc.message) from None
    return None


def _declared_dangerous(doc: dict[str, Any]) -> list[DangerousChange]:
    out = []
    for item in doc.get("dangerous") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            extra = {k: v for k, v in item.items() if k not in ("key", "reason", "message")}
            out.append(DangerousChange(item["key"], str(item.get("reason", "declared")),
                                       str(item.get("message", "")), extra))
    return out


def _check_base(state: RuntimeState, doc: dict[str, Any], change_set: ChangeSet) -> None:
    base = doc.get("base") if isinstance(doc.get("base"), dict) else {}
    conflicts = stale_conflicts(state.config, change_set)
    declared = base.get("digest")
    if (declared and declared != state.config_digest) or conflicts:
        raise ConfigError(
            "config.diff.stale",
            "the diff was computed from another config than the state's "
            f"(state version {state.version}); compute it again from the current state",
            "rejected", conflicts=conflicts or None,
            base_digest=declared, state_digest=state.config_digest,
        )


class Reloader:
    """One reload or rollback of one state file, optionally audited."""

    def __init__(self, state_path: Path, audit: AuditStore | None = None) -> None:
        self.state_path = Path(state_path)
        self.audit = audit

    def reload(self, doc: Any, *, dry_run: bool = False,
               allow_dangerous: bool = False) -> ReloadOutcome:
        try:
            with exclusive_lock(self.state_path):
                outcome = self._reload(doc, dry_run, allow_dangerous)
        except ConfigError as err:  # before the state was read: no version to name it by
            outcome = outcome_for_error(err, err.details.get("audit_id") or operation_id(
                RELOAD_EVENT, self.state_path, _diff_sha(doc)))
        _link_diff(outcome, doc)
        if self.audit is not None and outcome.status in ("rejected", "failed"):
            self._record_quietly(RELOAD_EVENT, outcome)
        return outcome

    def _reload(self, doc: Any, dry_run: bool, allow_dangerous: bool) -> ReloadOutcome:
        raw = read_current(self.state_path)
        state = parse_state(raw, self.state_path)
        change_set = change_set_from_json(doc)
        audit_id = operation_id(RELOAD_EVENT, self.state_path, _diff_sha(doc),
                                run_id=state.run_id, version=state.version)
        try:
            _check_base(state, doc, change_set)
            new_config = apply_diff(state.config, change_set)
            if compare(state.config, new_config).change_set_json() != \
                    change_set.change_set_json():
                raise ConfigError("config.diff.invalid",
                                  "the diff's items do not describe the change they make "
                                  "(e.g. an update whose previous equals current)")
            schema = state.schema()
            dangerous = classify(state.config, new_config, change_set, schema,
                                 _target_version(doc))
            dangerous += [d for d in _declared_dangerous(doc)
                          if (d.key, d.reason) not in {(x.key, x.reason) for x in dangerous}]
        except ConfigError as err:
            err.details.setdefault("audit_id", audit_id)
            raise
        outcome = ReloadOutcome(
            "dry-run" if dry_run else "applied", audit_id,
            change_set=change_set.change_set_json(),
            dangerous=[d.as_json() for d in dangerous],
            restart_required=restart_required(change_set, schema),
            version_before=state.version,
        )
        _link_diff(outcome, doc)
        if dangerous and not allow_dangerous:
            outcome.status = "rejected"
            err = ConfigError("config.diff.dangerous",
                              f"{len(dangerous)} dangerous change(s); pass --allow-dangerous to "
                              "apply them", "rejected", keys=[d.key for d in dangerous])
            outcome.errors = [err.as_json(), *[d.as_json() for d in dangerous]]
            outcome.error = err
            return outcome
        issues = validate(new_config, schema) if schema else []
        if issues:
            err = ConfigError("config.schema.invalid_result",
                              f"the new config breaks the schema ({len(issues)} issue(s))")
            outcome.status, outcome.error = "failed", err
            outcome.errors = [err.as_json(), *[i.as_json() for i in issues]]
            return outcome
        if not change_set:  # nothing to do: no write, no RollbackInfo, same version
            outcome.version_after = state.version
            return outcome
        new_state = state.advanced(new_config, audit_id=audit_id, event=RELOAD_EVENT,
                                   summary=change_set.summary())
        outcome.version_after = new_state.version
        if dry_run:
            return outcome

        def record() -> None:
            if self.audit is None:
                return
            if dangerous:
                self.audit.record(DANGEROUS_EVENT, audit_id, {
                    "state": str(self.state_path), "dangerous": outcome.dangerous})
            self.audit.record(RELOAD_EVENT, audit_id, self._payload(outcome))

        info = commit_file(self.state_path, raw, new_state.to_bytes(), audit_id=audit_id,
                           operation="reload", summary=change_set.summary(), after_write=record)
        outcome.rollback = info.brief()
        return outcome

    def rollback(self, *, dry_run: bool = False) -> ReloadOutcome:
        try:
            with exclusive_lock(self.state_path):
                return self._rollback(dry_run)
        except ConfigError as err:
            outcome = outcome_for_error(err)
            if self.audit is not None:
                self._record_quietly(ROLLBACK_EVENT, outcome)
            return outcome

    def _rollback(self, dry_run: bool) -> ReloadOutcome:
        def record(info: RollbackInfo) -> None:
            if self.audit is not None:
                self.audit.record(ROLLBACK_EVENT, info.audit_id, {
                    "status": "rolled-back", "audit_id": info.audit_id,
                    "path": str(self.state_path), "restored_digest": info.from_digest,
                    "replaced_digest": info.to_digest})

        info, replaced = rollback_file(self.state_path, dry_run=dry_run, after_write=record)
        outcome = ReloadOutcome("dry-run" if dry_run else "rolled-back", info.audit_id,
                                rollback=info.brief(), rolled_back=not dry_run)
        outcome.version_before = _version_of(replaced, self.state_path)
        outcome.version_after = _version_of(info.content, self.state_path)
        return outcome

    def _payload(self, outcome: ReloadOutcome) -> dict[str, Any]:
        return {"event": RELOAD_EVENT, "audit_id": outcome.audit_id,
                "change_set": outcome.change_set, "status": outcome.status,
                "state": str(self.state_path), "version_before": outcome.version_before,
                "version_after": outcome.version_after, "dangerous": outcome.dangerous,
                "errors": outcome.errors, "diff_audit_id": outcome.diff_audit_id,
                "diff_sha256": outcome.diff_sha256}

    def _record_quietly(self, event: str, outcome: ReloadOutcome) -> None:
        """Audit a refusal or failure; nothing changed, so an audit failure is only reported."""
        if outcome.audit_id is None:
            return
        try:
            assert self.audit is not None
            self.audit.record(event, outcome.audit_id, self._payload(outcome))
        except Exception as exc:
            outcome.errors.append({"code": "audit.write_failed", "message": str(exc)})


def _version_of(content: bytes, path: Path) -> int | None:
    """The state version inside ``content``, or None when the file is not a state (a config)."""
    try:
        return parse_state(content, path).version
    except ConfigError:
        return None
