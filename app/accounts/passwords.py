"""Password hashing with a modern KDF (scrypt by default, via Werkzeug)."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 12

# Checked against on every login with an unknown email, so the response takes as long as
# a wrong password would and does not reveal which emails have accounts.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not-a-real-password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return False
    return check_password_hash(password_hash, password)
