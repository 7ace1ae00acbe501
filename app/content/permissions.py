"""Who may do what. Views enforce these rules and templates use them to hide what a role cannot do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.models import Role

if TYPE_CHECKING:
    from app.models import Post, User

STAFF_ROLES = frozenset({Role.AUTHOR, Role.EDITOR, Role.ADMIN})
ALL_POSTS_ROLES = frozenset({Role.EDITOR, Role.ADMIN})


def can(user: User | None, action: str, obj: Post | None = None) -> bool:
    """Answer whether ``user`` may perform ``action`` (on ``obj`` where it applies)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = Role(user.role)
    if action in {"access_admin", "create_post", "view_drafts", "publish_post"}:
        return role in STAFF_ROLES
    if action in {"edit_post", "delete_post"}:
        if role in ALL_POSTS_ROLES:
            return True
        return obj is not None and obj.author_id == user.id
    if action == "edit_any_post":
        return role in ALL_POSTS_ROLES
    if action in {"manage_taxonomy", "manage_pages"}:
        return role in ALL_POSTS_ROLES
    if action in {"manage_users", "manage_settings", "manage_menu"}:
        return role == Role.ADMIN
    raise ValueError(f"unknown action {action!r}")
