"""What makes a password acceptable: long enough and not one everybody tries first."""

from __future__ import annotations

import re
from functools import lru_cache

from app.accounts.passwords import MIN_PASSWORD_LENGTH


# zxcvbn (Dropbox's strength estimator, maintained on PyPI) ships 30,000 of the most common
# passwords from breach corpora, plus dictionaries of words and names it uses for its score.
# Its tables take some 25 MB: loaded when a password is first judged, not in every worker that
# only serves pages.
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


# zxcvbn's score runs 0 (guessed at once) to 4; below 3 is "somewhat guessable" or worse.
MINIMUM_SCORE = 3
# zxcvbn refuses longer input (its matching grows fast with length); a password this long is
# judged by its beginning.
SCORED_LENGTH = 72
TOO_COMMON = "This password is too common. Choose one that is harder to guess."


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Reasons ``password`` is refused; an empty list means it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.strip().lower()
    if email and lowered in {email.lower(), email.lower().split("@")[0]}:
        problems.append("Do not use your email address as the password.")
    elif lowered in common_passwords() or len(set(lowered)) <= 2 or _guessable(password, email):
        problems.append(TOO_COMMON)
    return problems


def _guessable(password: str, email: str) -> bool:
    if len(password) < MIN_PASSWORD_LENGTH:
        return False  # the length rule already says what to do
    from zxcvbn import zxcvbn

    hints = ["broadside", *(part for part in re.split(r"[^a-z0-9]+", email.lower()) if part)]
    return zxcvbn(password[:SCORED_LENGTH], user_inputs=hints)["score"] < MINIMUM_SCORE
