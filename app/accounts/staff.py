"""Account rules: invitations, roles, (de)activation, deletion, passwords, sign-in records.

Every change that should end a person's other sessions bumps ``session_version``; the user
loader refuses sessions carrying an older one. The site always keeps one active admin.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.accounts.password_policy import password_problems
from app.accounts.passwords import hash_password, verify_password
from app.accounts.tokens import consume_token, issue_token, revoke_tokens
from app.content.audit import Actor, record
from app.content.slugs import author_slug_base, save_with_unique_slug
from app.extensions import db
from app.models import AccountToken, Post, Role, TokenPurpose, User, utcnow


class AccountRuleError(Exception):
    """A requested change breaks an account rule; the message is shown to the person asking."""


LINK_USED_MESSAGE = "This link has just been used. Ask for a new one if you still need it."
LAST_ADMIN_MESSAGE = (
    "This is the last active admin account. Make another account an admin first, "
    "so someone can still manage the site."
)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == User.normalise_email(email)))


def _lock_active_admins() -> None:
    """On PostgreSQL, lock the active admin rows so concurrent removals queue up.

    READ COMMITTED would otherwise let two admins each see the other still active; after
    waiting for the lock, the second sees the first's change. SQLite has no row locks, but its
    single writer gives the conditional UPDATE below the same guarantee.
    """
    db.session.scalars(
        db.select(User.id)
        .where(User.role == Role.ADMIN.value, User.active.is_(True))
        .with_for_update()
    ).all()


def _remove_admin_power(user: User, **values) -> None:
    """Apply ``values`` (a role change or deactivation) unless ``user`` is the last active admin.

    The rule is checked and the change made in one conditional UPDATE whose WHERE counts the
    other active admins, so two admins removing each other at the same moment cannot both win.
    """
    values["session_version"] = User.session_version + 1  # their sessions end
    if user.role != Role.ADMIN or not user.active:
        db.session.execute(
            db.update(User)
            .where(User.id == user.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    else:
        _lock_active_admins()
        other = db.aliased(User)
        others = (
            db.select(db.func.count(other.id))
            .where(other.role == Role.ADMIN.value, other.active.is_(True), other.id != user.id)
            .scalar_subquery()
        )
        changed = db.session.execute(
            db.update(User)
            .where(User.id == user.id, others > 0)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise AccountRuleError(LAST_ADMIN_MESSAGE)
    db.session.expire(user, ["role", "active", "session_version"])


def _end_sessions(user: User) -> None:
    user.session_version = (user.session_version or 1) + 1


def end_sessions(user: User) -> None:
    """Logging out: the session's cookie stops working everywhere it was copied.

    Sessions are signed cookies, so ending one means bumping the account's session version,
    which ends the account's other sessions as well (as a password change does).
    """
    _end_sessions(user)


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, email=user.email)
    if problems:
        raise AccountRuleError(" ".join(problems))
    user.password_hash = hash_password(password)
    _end_sessions(user)
    revoke_tokens(user)


# Invitations ------------------------------------------------------------------------------


def invite_user(email: str, name: str, role: Role | str, by: Actor) -> tuple[User, str]:
    """Create an account without a password and return it with the raw invitation token."""
    email = User.normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountRuleError("An account with this email already exists.")
    user = User(email=email, display_name=name.strip(), role=Role(role).value, password_hash=None)
    try:
        # Invitations of people with the same name at the same moment: each gets its own slug.
        save_with_unique_slug(user, author_slug_base(user.display_name, email))
    except IntegrityError:  # the same address invited twice at the same moment
        raise AccountRuleError("An account with this email already exists.") from None
    raw = issue_token(user, TokenPurpose.INVITATION)
    record("invitation.sent", by, user, {"role": user.role})
    return user, raw


def accept_invitation(token: AccountToken, name: str, password: str, by: Actor) -> User:
    user = token.user
    if not consume_token(token):
        raise AccountRuleError(LINK_USED_MESSAGE)
    _set_password(user, password)
    user.display_name = name.strip() or user.display_name
    record("invitation.accepted", Actor(user=user, ip=by.ip), user)
    return user


def send_access_link(user: User, by: Actor) -> tuple[TokenPurpose, str]:
    """An admin's "send a link": a new invitation if it is pending, otherwise a reset link."""
    if user.invitation_pending:
        raw = issue_token(user, TokenPurpose.INVITATION)
        record("invitation.sent", by, user, {"role": user.role, "again": True})
        return TokenPurpose.INVITATION, raw
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    record("password.reset_requested", by, user, {"by_admin": True})
    return TokenPurpose.PASSWORD_RESET, raw


# Passwords --------------------------------------------------------------------------------


def request_password_reset(email: str, by: Actor) -> tuple[User, str] | None:
    """A reset link for an active account that has a password; None otherwise.

    The caller answers the same either way, so the page does not reveal which emails exist.
    """
    user = find_user_by_email(email)
    if user is None or not user.active or user.invitation_pending:
        record("password.reset_requested", by, None, {"email": email[:254], "sent": False})
        return None
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    record("password.reset_requested", by, user, {"sent": True})
    return user, raw


def reset_password(token: AccountToken, password: str, by: Actor) -> User:
    user = token.user
    if not consume_token(token):
        raise AccountRuleError(LINK_USED_MESSAGE)
    _set_password(user, password)
    record("password.reset", Actor(user=None, ip=by.ip, label=user.email), user)
    return user


def change_password(user: User, current: str, new: str, by: Actor) -> None:
    """Change one's own password; every other session of the account ends."""
    if not verify_password(user.password_hash, current):
        raise AccountRuleError("The current password is not correct.")
    _set_password(user, new)
    record("password.changed", by, user)


# Roles and access -------------------------------------------------------------------------


def change_role(user: User, role: Role | str, by: Actor) -> None:
    role = Role(role)
    if role == user.role:
        return
    old = user.role
    if role != Role.ADMIN:
        _remove_admin_power(user, role=role.value)
    else:
        user.role = role.value
        _end_sessions(user)
    record("account.role_changed", by, user, {"from": old, "to": role.value})


def deactivate(user: User, by: Actor) -> None:
    if not user.active:
        return
    _remove_admin_power(user, active=False)
    record("account.deactivated", by, user)


def reactivate(user: User, by: Actor) -> None:
    if user.active:
        return
    user.active = True
    record("account.reactivated", by, user)


def delete_account(user: User, heir: User, by: Actor) -> int:
    """Delete ``user`` after giving all their posts to ``heir``; returns how many moved."""
    if heir.id == user.id:
        raise AccountRuleError("Choose another account to receive the posts.")
    if by.user is not None and by.user.id == user.id:
        raise AccountRuleError("You cannot delete your own account. Ask another admin.")
    _remove_admin_power(user, active=False)  # fails, changing nothing, for the last admin
    moved = db.session.execute(
        db.update(Post).where(Post.author_id == user.id).values(author_id=heir.id)
    ).rowcount
    db.session.expire(user, ["posts"])  # the bulk update emptied the collection in the database
    record(
        "account.deleted",
        by,
        user,
        {"posts_to": heir.email, "posts_moved": moved, "name": user.display_name},
    )
    db.session.delete(user)
    return moved


# Profile and sign-in ----------------------------------------------------------------------


def update_profile(user: User, name: str, bio: str) -> None:
    user.display_name = name.strip()
    user.bio = bio.strip()


def change_email(user: User, new_email: str, password: str, by: Actor) -> None:
    if not verify_password(user.password_hash, password):
        raise AccountRuleError("The password is not correct.")
    new_email = User.normalise_email(new_email)
    if new_email == user.email:
        return
    if find_user_by_email(new_email) is not None:
        raise AccountRuleError("Another account already uses this email.")
    old = user.email
    user.email = new_email
    revoke_tokens(user)
    record("account.email_changed", by, user, {"from": old})


def check_password_sign_in(email: str, password: str, by: Actor) -> User | None:
    """The active account these credentials open, or None (recorded as a failed login)."""
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is not None and password_ok and user.active:
        return user
    record("login.failure", by, user, {"email": User.normalise_email(email)[:254]})
    return None


def record_sign_in(user: User, by: Actor, method: str) -> None:
    user.last_login_at = utcnow()
    record("login.success", Actor(user=user, ip=by.ip), user, {"method": method})


# Accounts made by an operator ---------------------------------------------------------------


def create_account(email: str, name: str, role: Role | str, password: str, by: Actor) -> User:
    """An active account with a password (the ``create-user`` command), under the same rules as
    an accepted invitation: a unique email, an acceptable password, an audit event."""
    email = User.normalise_email(email)
    if "@" not in email:
        raise AccountRuleError("That is not an email address.")
    if find_user_by_email(email) is not None:
        raise AccountRuleError(f"An account for {email} already exists.")
    problems = password_problems(password, email=email)
    if problems:
        raise AccountRuleError(" ".join(problems))
    user = User(
        email=email,
        display_name=name.strip(),
        role=Role(role).value,
        password_hash=hash_password(password),
    )
    try:
        save_with_unique_slug(user, author_slug_base(user.display_name, email))
    except IntegrityError:  # the same address created twice at the same moment
        raise AccountRuleError(f"An account for {email} already exists.") from None
    record("account.created", by, user, {"role": user.role})
    return user
