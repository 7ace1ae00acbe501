"""Who may do what. Domain functions enforce these rules (``require``), views check them before
showing a screen, and templates use them to hide what a role cannot do.

The roles follow WordPress and Ghost: contributors write drafts and submit them for review,
authors publish their own posts, editors handle every post, admins also run accounts and settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.content.settings import REQUIRE_TWO_FACTOR, get_setting
from app.models import PostStatus, Role

if TYPE_CHECKING:
    from app.content.audit import Actor
    from app.models import Page, Post, User

STAFF_ROLES = frozenset(Role)
PUBLISHING_ROLES = frozenset({Role.AUTHOR, Role.EDITOR, Role.ADMIN})
ALL_POSTS_ROLES = frozenset({Role.EDITOR, Role.ADMIN})
ADMIN_ACTIONS = frozenset(
    {
        "manage_users",
        "manage_settings",
        "manage_menu",
        "view_audit",
        "manage_redirects",
        "view_imports",
    }
)
STAFF_ACTIONS = frozenset({"access_admin", "create_post", "edit_profile", "view_media"})
# Roles the "require two-factor sign-in" setting applies to.
TWO_FACTOR_ROLES = frozenset({Role.EDITOR, Role.ADMIN})
# What someone who must first set up two-factor sign-in may still do.
TWO_FACTOR_SETUP_ACTIONS = frozenset({"access_admin", "edit_profile"})


def can(user: User | None, action: str, obj: Post | None = None) -> bool:
    """Answer whether ``user`` may perform ``action`` (on ``obj`` where it applies)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = Role(user.role)
    if action not in TWO_FACTOR_SETUP_ACTIONS and must_set_up_two_factor(user):
        return False
    if action in STAFF_ACTIONS:
        return role in STAFF_ROLES
    if action == "publish_post":
        if role in ALL_POSTS_ROLES:
            return True
        return role in PUBLISHING_ROLES and (obj is None or obj.author_id == user.id)
    if action in {"edit_post", "delete_post"}:
        if role in ALL_POSTS_ROLES:
            return True
        if obj is None or obj.author_id != user.id:
            return False
        # Once a contributor's post is out, only editors (or its author role) may change it.
        return role in PUBLISHING_ROLES or obj.status != PostStatus.PUBLISHED
    if action == "preview_post":
        # An unpublished post is seen by those who may work on it, as in WordPress.
        return role in ALL_POSTS_ROLES or (obj is not None and obj.author_id == user.id)
    if action == "edit_any_post":
        return role in ALL_POSTS_ROLES
    if action == "upload_media":
        # Contributors pick from the library; authors upload and manage their own files.
        return role in PUBLISHING_ROLES
    if action in {"manage_taxonomy", "manage_pages", "preview_page"}:
        return role in ALL_POSTS_ROLES
    if action in ADMIN_ACTIONS:
        return role == Role.ADMIN
    raise ValueError(f"unknown action {action!r}")


class NotAllowed(PermissionError):
    """The acting person's role does not allow this; views answer 403 or show the message."""


def require(by: Actor, action: str, obj: Post | Page | None = None) -> None:
    """Raise :class:`NotAllowed` unless ``by`` may ``action`` (``obj``).

    A named system actor (the command line, demo content: no user, a label) may do anything;
    an anonymous one (no user, no label) nothing.
    """
    if by.user is None:
        if not by.label:
            raise NotAllowed("Sign in to do this.")
        return
    if not can(by.user, action, obj):
        raise NotAllowed("Your role does not allow this.")


def must_set_up_two_factor(user: User) -> bool:
    """The site demands two-factor sign-in from this role and the account has not set it up.

    Until it has, the login grants nothing but the way to set it up, wherever it is used (the
    staff area, previews of unpublished posts and pages at their public addresses ...).
    """
    return (
        bool(get_setting(REQUIRE_TWO_FACTOR))
        and Role(user.role) in TWO_FACTOR_ROLES
        and not user.two_factor_enabled
    )


def allowed_statuses(user: User, post: Post | None = None) -> list[PostStatus]:
    """The statuses ``user`` may give ``post`` (or a new post): no publishing without the right."""
    statuses = [PostStatus.DRAFT, PostStatus.PENDING]
    if can(user, "publish_post", post):
        statuses.extend((PostStatus.PUBLISHED, PostStatus.PRIVATE))
    return statuses
