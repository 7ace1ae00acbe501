"""One-time links for invitations and password resets.

The raw token goes into the link and is never stored: the database keeps its SHA-256, so a
leaked database does not hand out working links. A token works once, until it expires, and
stops working when the account's password changes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import AccountToken, TokenPurpose, User, utcnow

LIFETIMES = {
    TokenPurpose.INVITATION: timedelta(hours=48),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
}


def secret_digest(raw: str) -> str:
    """What is stored of a one-time secret (link token, recovery code): its SHA-256, in hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, *, now: datetime | None = None) -> str:
    """Create a token for ``user`` and return the raw value (shown or mailed once).

    Earlier unused tokens of the same purpose stop working: only the newest link counts.
    """
    now = now or utcnow()
    revoke_tokens(user, purpose, now=now)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose.value,
            token_hash=secret_digest(raw),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return raw


def find_valid_token(
    raw: str, purpose: TokenPurpose, *, now: datetime | None = None
) -> AccountToken | None:
    """The unused, unexpired token of this purpose, or None."""
    now = now or utcnow()
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(
        db.select(AccountToken).where(
            AccountToken.token_hash == secret_digest(raw), AccountToken.purpose == purpose.value
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    return token


def revoke_tokens(
    user: User, purpose: TokenPurpose | None = None, *, now: datetime | None = None
) -> None:
    """Mark every unused token of ``user`` (of one purpose, or all) as used."""
    now = now or utcnow()
    query = db.update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose.value)
    if user.id is not None:
        db.session.execute(query.values(used_at=now))


def consume_token(token: AccountToken, *, now: datetime | None = None) -> bool:
    """Mark ``token`` used, in one conditional UPDATE; False if another request got there first.

    ``find_valid_token`` only looked: two requests with one link can both get that far, and
    only the one whose UPDATE changes the row may go on.
    """
    now = now or utcnow()
    used = db.session.execute(
        db.update(AccountToken)
        .where(
            AccountToken.id == token.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used == 1:
        set_committed_value(token, "used_at", now)
    return used == 1
