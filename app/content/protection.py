"""Password-protected posts: who has unlocked which post, kept in the visitor's session.

The session stores, per post, an HMAC of the post's current password rather than the password
itself; changing the password therefore locks the post again for everyone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import MutableMapping

from app.models import Post

SESSION_KEY = "unlocked_posts"
MAX_UNLOCKED = 50  # keeps the session cookie small


def _token(secret: str, post: Post) -> str:
    message = f"{post.id}:{post.password or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def is_locked(post: Post, session: MutableMapping, secret: str) -> bool:
    """True while a protected post's body must stay hidden from this visitor."""
    if not post.password:
        return False
    stored = (session.get(SESSION_KEY) or {}).get(str(post.id))
    return not (stored and hmac.compare_digest(stored, _token(secret, post)))


def unlock(post: Post, given: str, session: MutableMapping, secret: str) -> bool:
    """Check ``given`` against the post's password; on success remember it for this visitor."""
    if not post.password or not hmac.compare_digest(given.encode(), post.password.encode()):
        return False
    unlocked = dict(session.get(SESSION_KEY) or {})
    unlocked.pop(str(post.id), None)
    unlocked[str(post.id)] = _token(secret, post)
    while len(unlocked) > MAX_UNLOCKED:
        unlocked.pop(next(iter(unlocked)))
    session[SESSION_KEY] = unlocked
    return True
