"""Contributors submit for review, authors publish their own, editors review everything."""

from __future__ import annotations

import pytest

from app.admin.routes import STATUS_NOT_ALLOWED
from app.content.permissions import allowed_statuses, can
from app.extensions import db
from app.models import AuditEvent, Post, PostStatus
from tests.conftest import login, post_form, select_options, submit_form
from tests.factories import make_post, make_user


def _post(title: str) -> Post:
    db.session.expire_all()
    return db.session.scalar(db.select(Post).where(Post.title == title))


def _status_options(html: str) -> list[str]:
    return select_options(html, "status")


def test_contributor_is_offered_draft_and_review_only(client):
    make_user("contributor", email="cora@example.org")
    login(client, "cora@example.org")
    assert _status_options(client.get("/admin/posts/new").text) == ["draft", "pending"]


def test_author_is_offered_publishing(client):
    make_user("author", email="author@example.org")
    login(client, "author@example.org")
    assert _status_options(client.get("/admin/posts/new").text) == [
        "draft",
        "pending",
        "published",
        "private",  # published for staff only, as in WordPress
    ]


def test_contributor_submits_for_review_and_the_editor_publishes(client, app):
    make_user("contributor", email="cora@example.org")
    login(client, "cora@example.org")
    submit_form(
        client, "/admin/posts/new", {"title": "For review", "body": "x", "status": "pending"}
    )
    assert _post("For review").status == "pending"
    assert "For review" not in app.test_client().get("/").text

    make_user("editor", email="editor@example.org")
    editor = app.test_client()
    login(editor, "editor@example.org")
    queue = editor.get("/admin/?status=pending").text
    assert "Pending review" in queue and "For review" in queue
    post = _post("For review")
    submit_form(
        editor,
        f"/admin/posts/{post.id}/edit",
        {"title": "For review", "slug": post.slug, "body": "x", "status": "published"},
    )
    assert _post("For review").status == "published"
    assert "For review" in app.test_client().get("/").text
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.target_type == "post").order_by(AuditEvent.id)
    ).all()
    assert actions == ["post.submitted", "post.published"]


def test_contributor_forging_published_gets_a_clear_error(client):
    make_user("contributor", email="cora@example.org")
    login(client, "cora@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "Sneaky", "body": "Text I typed.", "status": "published"},
    )
    assert response.status_code == 200
    assert STATUS_NOT_ALLOWED in response.text
    assert "Text I typed." in response.text
    assert _post("Sneaky") is None


def test_contributor_cannot_touch_their_post_once_published(client):
    cora = make_user("contributor", email="cora@example.org")
    draft = make_post(cora, title="Still mine", status=PostStatus.DRAFT.value)
    out = make_post(cora, title="Out now")
    login(client, "cora@example.org")
    assert client.get(f"/admin/posts/{draft.id}/edit").status_code == 200
    assert client.get(f"/admin/posts/{draft.id}/delete").status_code == 200
    assert client.get(f"/admin/posts/{out.id}/edit").status_code == 403
    assert client.get(f"/admin/posts/{out.id}/delete").status_code == 403
    dashboard = client.get("/admin/").text
    assert f"/admin/posts/{draft.id}/delete" in dashboard
    assert f"/admin/posts/{out.id}/delete" not in dashboard


def test_author_unpublishing_and_deleting_is_audited(client):
    author = make_user(email="author@example.org")
    post = make_post(author, title="Retracted")
    login(client, "author@example.org")
    submit_form(
        client,
        f"/admin/posts/{post.id}/edit",
        {"title": "Retracted", "slug": post.slug, "body": "x", "status": "draft"},
    )
    post_form(client, f"/admin/posts/{post.id}/delete", {})
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.target_type == "post").order_by(AuditEvent.id)
    ).all()
    # Its creation by the test setup, then the author's own changes.
    assert [e.action for e in events] == ["post.published", "post.unpublished", "post.deleted"]
    assert events[0].actor_label == "test setup"
    assert events[2].target_label == "Retracted" and events[2].actor_label == "author@example.org"


@pytest.mark.parametrize(
    ("role", "publish", "own_published_edit", "others_edit", "accounts"),
    [
        ("contributor", False, False, False, False),
        ("author", True, True, False, False),
        ("editor", True, True, True, False),
        ("admin", True, True, True, True),
    ],
)
def test_permission_rules_per_role(app, role, publish, own_published_edit, others_edit, accounts):
    user = make_user(role)
    own = make_post(user)
    other = make_post(make_user())
    assert can(user, "access_admin")
    assert (PostStatus.PUBLISHED in allowed_statuses(user, own)) is publish
    assert can(user, "edit_post", own) is own_published_edit
    assert can(user, "delete_post", own) is own_published_edit
    assert can(user, "edit_post", other) is others_edit
    assert can(user, "edit_any_post") is others_edit
    assert can(user, "manage_users") is accounts
    assert can(user, "view_audit") is accounts
    user.active = False
    assert not can(user, "access_admin")
