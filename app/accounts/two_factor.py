"""Two-factor sign-in with time-based codes (TOTP, RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import secrets
import time

import pyotp
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.tokens import secret_digest
from app.content.audit import Actor, record
from app.extensions import db
from app.inputs import is_ascii_digits
from app.models import RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def start_setup(user: User) -> str:
    """Give ``user`` a new secret to scan (kept until confirmed or replaced); return it."""
    if user.two_factor_enabled:
        raise ValueError("two-factor sign-in is already on")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """The ``otpauth://`` URI as an SVG QR code in a ``data:`` URI, drawn here, for an ``<img>``.

    An image source cannot run script and needs no ``|safe``, whatever the account's email holds.
    """
    # Imported here: segno takes ~9 MB, and only the set-up screen draws a QR code; workers
    # that serve pages never load it.
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _accept_totp(user: User, code: str, at: float | None = None) -> bool:
    """Check a six-digit code, allowing one step of clock drift, and refuse replays."""
    if not user.totp_secret or not is_ascii_digits(code, max_digits=6) or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    at = time.time() if at is None else at
    current = int(at // totp.interval)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return _claim_step(user, step)
    return False


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was, in one statement.

    A conditional UPDATE, not a read then a write: of several requests racing with the same
    code, only the one whose UPDATE changes the row wins; the row lock (PostgreSQL) or the
    write lock (SQLite) makes the others wait and then match nothing.
    """
    claimed = db.session.execute(
        db.update(User)
        .where(
            User.id == user.id,
            db.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def confirm_setup(user: User, code: str, by: Actor, *, at: float | None = None) -> list[str] | None:
    """Turn two-factor sign-in on if ``code`` matches the new secret; return recovery codes."""
    if user.two_factor_enabled or not _accept_totp(user, _clean(code), at):
        return None
    user.two_factor_enabled = True
    codes = _new_recovery_codes(user)
    record("two_factor.enabled", by, user)
    return codes


def disable(user: User, by: Actor) -> None:
    user.two_factor_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("two_factor.disabled", by, user, {"by_admin": by.user is not None and by.user != user})


def verify_sign_in_code(user: User, code: str, *, at: float | None = None) -> str | None:
    """Check a code typed at sign-in: a TOTP code or an unused recovery code.

    Returns ``"totp"`` or ``"recovery_code"`` for the method that matched, None otherwise.
    """
    code = _clean(code)
    if not user.two_factor_enabled:
        return None
    if is_ascii_digits(code, max_digits=6):
        return "totp" if _accept_totp(user, code, at) else None
    # Check and use up in one conditional UPDATE, so a code raced several ways counts once.
    used = db.session.execute(
        db.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == secret_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return "recovery_code" if used == 1 else None


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=secret_digest(code)))
    return codes


def _clean(code: str) -> str:
    """People paste codes with spaces; recovery codes are accepted with or without the dash."""
    code = "".join((code or "").split()).lower()
    if not code.isdigit() and len(code) == 10 and "-" not in code:
        code = f"{code[:5]}-{code[5:]}"
    return code
