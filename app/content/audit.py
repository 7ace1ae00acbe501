"""The audit log: who did what to whom, from where. Domain functions write it; nothing edits it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select

from app.extensions import db
from app.models import AuditEvent, Post, User


@dataclass(frozen=True)
class Actor:
    """Who is acting and from which address; views build it from the request."""

    user: User | None = None
    ip: str = ""
    label: str = field(default="")

    @property
    def display(self) -> str:
        if self.user is not None:
            return self.user.email
        return self.label


# action -> what the audit page calls it
ACTIONS: dict[str, str] = {
    "login.success": "Logged in",
    "login.failure": "Failed login",
    "login.two_factor_failure": "Wrong two-factor code",
    "two_factor.enabled": "Two-factor sign-in turned on",
    "two_factor.disabled": "Two-factor sign-in turned off",
    "two_factor.recovery_code_used": "Recovery code used",
    "password.changed": "Password changed",
    "password.reset_requested": "Password reset requested",
    "password.reset": "Password reset",
    "invitation.sent": "Invitation sent",
    "invitation.accepted": "Invitation accepted",
    "account.created": "Account created",
    "account.role_changed": "Role changed",
    "account.deactivated": "Account deactivated",
    "account.reactivated": "Account reactivated",
    "account.deleted": "Account deleted",
    "account.email_changed": "Email changed",
    "post.submitted": "Post submitted for review",
    "post.published": "Post published",
    "post.unpublished": "Post unpublished",
    "post.deleted": "Post deleted",
    "settings.changed": "Site settings changed",
}


def _target_parts(target: User | Post | None) -> tuple[str, int | None, str]:
    if isinstance(target, User):
        return "user", target.id, target.email
    if isinstance(target, Post):
        return "post", target.id, target.title
    return "", None, ""


def record(
    action: str,
    by: Actor,
    target: User | Post | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the change it describes."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    target_type, target_id, target_label = _target_parts(target)
    event = AuditEvent(
        action=action,
        actor_id=by.user.id if by.user is not None else None,
        actor_label=by.display[:254],
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:300],
        ip=(by.ip or "")[:45],
        details=details or {},
    )
    db.session.add(event)
    return event


def events_query(*, action: str = "", actor_id: int | None = None) -> Select:
    """Newest first, optionally narrowed to one action and/or one actor."""
    query = db.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    return query
