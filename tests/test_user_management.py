"""Admins manage accounts; changes reach existing sessions at once; one admin always remains."""

from __future__ import annotations

import pytest

from app.accounts import staff
from app.accounts.staff import LAST_ADMIN_MESSAGE, AccountRuleError
from app.content.audit import Actor
from app.content.text import plain_text
from app.extensions import db
from app.models import AuditEvent, Post, User
from tests.conftest import login, post_form
from tests.factories import make_post, make_user


def _fresh(user_id: int) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _admin_post(client, user_id: int, action: str, data: dict | None = None):
    return post_form(
        client, f"/admin/users/{user_id}/{action}", data or {}, form_page=f"/admin/users/{user_id}"
    )


def _flash_after(client, response) -> str:
    return client.get(response.headers["Location"]).text


def test_users_page_lists_accounts_with_role_status_and_two_factor(client):
    make_user("admin", email="admin@example.org", name="Ada Admin")
    make_user("contributor", email="cora@example.org", name="Cora Contributor", active=False)
    login(client, "admin@example.org")
    page = client.get("/admin/users").text
    assert "Ada Admin" in page and "(you)" in page
    assert "cora@example.org" in page and "Contributor" in page and "Deactivated" in page
    assert "Never" in page  # Cora never logged in


def test_role_change_applies_to_the_next_request_of_an_open_session(client, app):
    make_user("admin", email="admin@example.org")
    editor = make_user("editor", email="editor@example.org")
    other = make_post(make_user(), title="Someone else's")
    session = app.test_client()
    login(session, "editor@example.org")
    assert session.get(f"/admin/posts/{other.id}/edit").status_code == 200
    login(client, "admin@example.org")
    response = _admin_post(client, editor.id, "role", {"role": "author"})
    assert "is now author" in _flash_after(client, response)
    assert _fresh(editor.id).role == "author"
    # The old session ended; logging in again gives the new, smaller rights.
    assert session.get(f"/admin/posts/{other.id}/edit").status_code == 302
    login(session, "editor@example.org")
    assert session.get(f"/admin/posts/{other.id}/edit").status_code == 403


def test_deactivation_ends_sessions_and_reactivation_lets_them_back(client, app):
    make_user("admin", email="admin@example.org")
    author = make_user(email="author@example.org")
    session = app.test_client()
    login(session, "author@example.org")
    assert session.get("/admin/").status_code == 200
    login(client, "admin@example.org")
    _admin_post(client, author.id, "deactivate")
    assert session.get("/admin/").status_code == 302
    assert login(session, "author@example.org").status_code == 200
    _admin_post(client, author.id, "reactivate")
    assert login(session, "author@example.org").status_code == 302
    actions = list(db.session.scalars(db.select(AuditEvent.action)))
    assert "account.deactivated" in actions and "account.reactivated" in actions


def test_changing_ones_password_keeps_this_session_and_ends_the_others(client, app):
    make_user(email="author@example.org")
    elsewhere = app.test_client()
    login(elsewhere, "author@example.org")
    login(client, "author@example.org")
    response = post_form(
        client,
        "/admin/profile/password",
        {
            "current_password": "a long enough password",
            "password": "my new long password",
            "confirm": "my new long password",
        },
        form_page="/admin/profile",
    )
    assert response.status_code == 302
    assert "signed out on every other device" in client.get("/admin/profile").text
    assert elsewhere.get("/admin/").status_code == 302
    assert login(elsewhere, "author@example.org", "my new long password").status_code == 302


def test_wrong_current_password_changes_nothing(client):
    user = make_user(email="author@example.org")
    login(client, "author@example.org")
    response = post_form(
        client,
        "/admin/profile/password",
        {"current_password": "guess", "password": "x" * 5 + "new words!", "confirm": "x"},
        form_page="/admin/profile",
    )
    assert response.status_code == 200
    assert _fresh(user.id).session_version == 1
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("action", ["deactivate", "demote", "delete"])
def test_the_last_active_admin_cannot_be_removed_by_themselves(client, action):
    admin = make_user("admin", email="admin@example.org")
    make_user("admin", email="retired@example.org", active=False)  # inactive admins do not count
    heir = make_user(email="heir@example.org")
    login(client, "admin@example.org")
    if action == "deactivate":
        response = _admin_post(client, admin.id, "deactivate")
    elif action == "demote":
        response = _admin_post(client, admin.id, "role", {"role": "editor"})
    else:
        with pytest.raises(AccountRuleError):
            staff.delete_account(admin, heir, Actor(label="cli"))
        db.session.rollback()
        return
    assert LAST_ADMIN_MESSAGE in _flash_after(client, response)
    user = _fresh(admin.id)
    assert user.active and user.role == "admin"
    assert client.get("/admin/users").status_code == 200


def test_with_two_admins_one_may_step_down_but_not_the_other_after(client, app):
    first = make_user("admin", email="first@example.org")
    second = make_user("admin", email="second@example.org")
    login(client, "first@example.org")
    _admin_post(client, first.id, "role", {"role": "editor"})
    assert _fresh(first.id).role == "editor"
    # The demoted admin's own session carries on with editor rights.
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/users").status_code == 403
    admin = app.test_client()
    login(admin, "second@example.org")
    response = _admin_post(admin, second.id, "deactivate")
    assert LAST_ADMIN_MESSAGE in _flash_after(admin, response)
    with pytest.raises(AccountRuleError):
        staff.change_role(_fresh(second.id), "author", Actor(label="test"))


def test_deleting_an_account_gives_its_posts_to_the_chosen_heir(client):
    make_user("admin", email="admin@example.org")
    leaving = make_user(email="leaving@example.org", name="Leaving Writer")
    heir = make_user(email="heir@example.org", name="Heir Writer")
    post_ids = [make_post(leaving, title=f"Kept {n}").id for n in range(3)]
    login(client, "admin@example.org")
    page = client.get(f"/admin/users/{leaving.id}/delete").text
    assert "Give all their posts to" in page and "3 post(s)" in page
    response = post_form(client, f"/admin/users/{leaving.id}/delete", {"heir": str(heir.id)})
    assert "3 post(s) now belong to Heir Writer" in _flash_after(client, response)
    assert _fresh(leaving.id) is None
    posts = db.session.scalars(db.select(Post).where(Post.id.in_(post_ids))).all()
    assert len(posts) == 3 and {p.author_id for p in posts} == {heir.id}
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
    assert event.target_label == "leaving@example.org"
    assert event.details["posts_moved"] == 3


def test_delete_needs_an_heir_and_an_admin_cannot_delete_themselves(client):
    admin = make_user("admin", email="admin@example.org")
    make_user("admin", email="other-admin@example.org")
    leaving = make_user(email="leaving@example.org")
    login(client, "admin@example.org")
    no_heir = post_form(client, f"/admin/users/{leaving.id}/delete", {})
    assert no_heir.status_code == 200 and _fresh(leaving.id) is not None
    self_heir = post_form(client, f"/admin/users/{leaving.id}/delete", {"heir": str(leaving.id)})
    assert self_heir.status_code == 200 and _fresh(leaving.id) is not None
    own = post_form(client, f"/admin/users/{admin.id}/delete", {"heir": str(leaving.id)})
    assert "You cannot delete your own account" in own.text
    assert _fresh(admin.id) is not None


def test_profile_changes_name_bio_and_email(client):
    user = make_user(email="author@example.org", name="Jonas")
    post = make_post(user, title="Bylined")
    login(client, "author@example.org")
    post_form(
        client,
        "/admin/profile",
        {"display_name": "Jonas Weber", "bio": "Reports from Geneva <b>since</b> 2019."},
    )
    article = client.get(f"/2024/01/01/{post.slug}/", follow_redirects=True).text
    assert "By Jonas Weber" in plain_text(article)
    assert "Reports from Geneva &lt;b&gt;since&lt;/b&gt; 2019." in article
    wrong = post_form(
        client,
        "/admin/profile/email",
        {"new_email": "jonas@example.org", "email_password": "nope"},
        form_page="/admin/profile",
    )
    assert "The password is not correct." in wrong.text
    right = post_form(
        client,
        "/admin/profile/email",
        {"new_email": "Jonas@Example.org", "email_password": "a long enough password"},
        form_page="/admin/profile",
    )
    assert right.status_code == 302
    assert _fresh(user.id).email == "jonas@example.org"
    assert login(client.application.test_client(), "jonas@example.org").status_code == 302
