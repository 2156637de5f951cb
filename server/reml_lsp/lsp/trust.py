"""Which folders the server may touch without asking, and asking the user (docs/security.md).

Trusted without a question: the workspace folders and the user's own reml-lsp cache and state
folders (``$XDG_CACHE_HOME/reml-lsp``, ``$XDG_STATE_HOME/reml-lsp``); for files that are only
read, also the temp folder (where the editor writes the live config it diffs). Anything else — a
path from a client request or from a setting an untrusted workspace may carry — is used only after
the user chose the action button of a ``window/showMessageRequest``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from lsprotocol import types as lsp

from reml_lsp.lsp.server import RemlServer


def trusted_folders(roots: list[Path], *, reading: bool) -> list[Path]:
    home = Path.home()
    folders = [*roots,
               Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "reml-lsp",
               Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state") / "reml-lsp"]
    if reading:
        folders.append(Path(tempfile.gettempdir()))
    return [f.resolve() for f in folders]


def is_trusted(path: Path, roots: list[Path], *, reading: bool = False) -> bool:
    """``path`` (resolved: links followed) lies in one of the trusted folders."""
    resolved = path.resolve()
    return any(resolved == f or resolved.is_relative_to(f)
               for f in trusted_folders(roots, reading=reading))


async def confirm(ls: RemlServer, question: str, action: str) -> bool:
    """Ask ``question`` with the buttons ``action`` / Cancel; False when the client cannot ask."""
    if not ls.show_message_actions:
        return False
    try:
        answer = await ls.window_show_message_request_async(lsp.ShowMessageRequestParams(
            type=lsp.MessageType.Warning, message=question,
            actions=[lsp.MessageActionItem(title=action), lsp.MessageActionItem(title="Cancel")]))
    except Exception:  # the client failed to answer: that is not a yes
        return False
    return answer is not None and answer.title == action


def _audit_db_setting(ls: RemlServer) -> Path | None:
    value = ls.settings.audit_db
    if not value:
        return None
    path = Path(os.path.expanduser(value))
    if not path.is_absolute() and ls.roots:
        path = ls.roots[0] / path
    return path.resolve()


async def vet_audit_database(ls: RemlServer) -> None:
    """``reml.audit.database`` outside the trusted folders is used only once the user allowed it
    (an untrusted repository's settings must not make the server create files elsewhere).

    One question per path: a settings change while it is open waits for the same answer instead
    of asking again, and an answer only takes effect if the setting still names that path."""
    path = _audit_db_setting(ls)
    if path is None:
        return
    if path in ls.allowed_paths or is_trusted(path, ls.roots):
        ls.use_audit_db(path)
        return
    ls.use_audit_db(None)
    pending = ls.pending_questions.get(path)
    if pending is not None:
        await asyncio.shield(pending)
        return  # the first asker applies the answer
    question = (f"The setting reml.audit.database asks the server to create or write the audit "
                f"database {path}, outside the workspace. Allow it?")
    asking = ls.pending_questions[path] = asyncio.ensure_future(confirm(ls, question, "Allow"))
    try:
        allowed = await asking
    finally:
        ls.pending_questions.pop(path, None)
    if allowed:
        ls.allowed_paths.add(path)
    if _audit_db_setting(ls) != path:
        return  # the setting moved on while the question was open: its own check decides
    if allowed:
        ls.use_audit_db(path)
    else:
        ls.show(f"Reml: reml.audit.database {path} is outside the workspace and was not "
                "allowed; using the workspace's .reml/audit.db", lsp.MessageType.Warning)
