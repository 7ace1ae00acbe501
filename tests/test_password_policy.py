"""Passwords: long enough, not among the commonest breached ones, not easy to guess."""

from __future__ import annotations

import pytest

from app.accounts.password_policy import TOO_COMMON, common_passwords, password_problems


def test_the_common_password_list_is_a_real_one():
    assert len(common_passwords()) >= 10_000


@pytest.mark.parametrize(
    "password",
    [
        # long entries of the breached-password list
        *sorted((p for p in common_passwords() if len(p) >= 12), key=len)[:5],
        "iloveyou1234",
        "Password1234",
        "abcdefghijkl",
        "qwertyuiop123",
        "broadsidebroadside",
    ],
)
def test_common_or_guessable_passwords_are_refused(password):
    assert TOO_COMMON in password_problems(password, email="nadia@example.org")


@pytest.mark.parametrize(
    "password", ["tulips in the rain 42", "lanterns over the harbour", "a long enough password"]
)
def test_passphrases_are_accepted(password):
    assert password_problems(password, email="nadia@example.org") == []


def test_a_very_long_password_is_judged_quickly_by_its_start():
    assert password_problems("lanterns over the harbour " * 40) == []
