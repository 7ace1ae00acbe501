"""What makes a password acceptable: long enough and not one everybody tries first."""

from __future__ import annotations

from app.auth.passwords import MIN_PASSWORD_LENGTH

# Passwords of 12+ characters that still top the breached-password lists; shorter ones are
# already refused by the length rule.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678910111213",
        "123123123123",
        "111111111111",
        "000000000000",
        "123456123456",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qwertyuiopas",
        "qwerty123456",
        "qwertyuiop123",
        "qwertyqwerty",
        "asdfghjkl123",
        "abcdefghijkl",
        "abc123abc123",
        "password1234",
        "password12345",
        "password123456",
        "password123!",
        "passwordpassword",
        "p@ssw0rd1234",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome@1234",
        "changeme1234",
        "administrator",
        "admin1234567",
        "adminadmin123",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "superman1234",
        "trustno11234",
        "monkey123456",
        "dragon123456",
        "master123456",
        "correcthorsebatterystaple",
        "broadside1234",
        "broadsidebroadside",
    }
)


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Reasons ``password`` is refused; an empty list means it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.strip().lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        problems.append("This password is too common. Choose one that is harder to guess.")
    elif email and lowered in {email.lower(), email.lower().split("@")[0]}:
        problems.append("Do not use your email address as the password.")
    return problems
