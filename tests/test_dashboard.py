"""The staff post list: search by title, category and language columns, "Scheduled" labels and
bulk actions behind one confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Post, utcnow
from tests.conftest import csrf_token_from, login
from tests.factories import make_category, make_post, make_user


def _rows(html: str) -> list[str]:
    return re.findall(r'<td class="title-cell"[^>]*>(?:<a [^>]*>)?([^<]+)<', html)


def test_search_finds_titles_case_insensitively_and_treats_wildcards_literally(client):
    author = make_user(email="author@example.org")
    make_post(author, title="Letter to the Ministers")
    make_post(author, title="Annual report")
    make_post(author, title="100% of families")
    login(client, "author@example.org")
    assert _rows(client.get("/admin/?q=minister").text) == ["Letter to the Ministers"]
    assert _rows(client.get("/admin/?q=%25").text) == ["100% of families"]
    assert "No post titles contain" in client.get("/admin/?q=nothing-like-this").text


def test_rows_show_category_language_and_scheduled_status(client):
    author = make_user(email="author@example.org")
    reports = make_category("Reports")
    make_post(author, title="Bericht", category_ids=[reports.id], language="de")
    make_post(author, title="Embargoed", published_at=utcnow() + timedelta(days=3))
    login(client, "author@example.org")
    html = client.get("/admin/").text
    assert '<td data-label="Categories"><bdi>Reports</bdi></td>' in html
    assert '<abbr title="Deutsch">de</abbr>' in html
    assert '<span class="status status--scheduled">Scheduled</span>' in html
    scheduled = client.get("/admin/?status=scheduled").text
    assert _rows(scheduled) == ["Embargoed"]
    assert "Embargoed" not in client.get("/admin/?status=published").text
    # The edit form says so too.
    post = db.session.scalar(db.select(Post).where(Post.title == "Embargoed"))
    form = client.get(f"/admin/posts/{post.id}/edit").text
    assert "<strong>Scheduled</strong> — goes live on" in form


def test_bulk_action_asks_once_then_acts_only_where_the_role_allows(client):
    mine = make_user(email="author@example.org")
    other = make_user(email="other@example.org")
    a = make_post(mine, title="Mine A", status="draft")
    b = make_post(mine, title="Mine B", status="draft")
    theirs = make_post(other, title="Theirs", status="draft")
    login(client, "author@example.org")
    token = csrf_token_from(client.get("/admin/").text)
    ids = [str(a.id), str(b.id), str(theirs.id)]
    confirm = client.post(
        "/admin/posts/bulk", data={"csrf_token": token, "action": "publish", "post_ids": ids}
    )
    assert confirm.status_code == 200
    assert "Publish for 2 posts?" in confirm.text
    assert "Theirs" in confirm.text.split("left alone")[1]
    db.session.expire_all()
    assert db.session.get(Post, a.id).status == "draft"  # nothing happens before confirming
    done = client.post(
        "/admin/posts/bulk",
        data={"csrf_token": token, "action": "publish", "post_ids": ids, "confirmed": "yes"},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, a.id).status == "published"
    assert db.session.get(Post, a.id).published_at is not None
    assert db.session.get(Post, b.id).status == "published"
    assert db.session.get(Post, theirs.id).status == "draft"
    assert (
        db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "post.published"))
        == 2
    )


def test_editor_bulk_sets_category_and_deletes(client):
    editor = make_user(email="editor@example.org", role="editor")
    letters = make_category("Letters")
    posts = [make_post(editor, title=f"Letter {n}") for n in range(3)]
    login(client, "editor@example.org")
    token = csrf_token_from(client.get("/admin/").text)
    post_ids = [p.id for p in posts]
    ids = [str(i) for i in post_ids[:2]]
    client.post(
        "/admin/posts/bulk",
        data={
            "csrf_token": token, "action": "set_category", "category_id": str(letters.id),
            "post_ids": ids, "confirmed": "yes",
        },
    )  # fmt: skip
    db.session.expire_all()
    assert [c.name for c in db.session.get(Post, post_ids[0]).categories] == ["Letters"]
    assert [c.name for c in db.session.get(Post, post_ids[2]).categories] != ["Letters"]
    confirm = client.post(
        "/admin/posts/bulk", data={"csrf_token": token, "action": "delete", "post_ids": ids}
    )
    assert "removed for good" in confirm.text
    client.post(
        "/admin/posts/bulk",
        data={"csrf_token": token, "action": "delete", "post_ids": ids, "confirmed": "yes"},
    )
    db.session.expire_all()
    assert db.session.get(Post, post_ids[0]) is None
    assert db.session.get(Post, post_ids[2]) is not None


def test_bulk_without_selection_or_action_explains(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    token = csrf_token_from(client.get("/admin/").text)
    response = client.post(
        "/admin/posts/bulk", data={"csrf_token": token, "action": "draft"}, follow_redirects=True
    )
    assert "Select at least one post first." in response.text


def test_a_bulk_change_makes_an_open_editor_form_a_conflict(client):
    """Bulk actions count as saves: a writer whose form predates one gets the conflict page."""
    editor = make_user(email="editor@example.org", role="editor")
    post = make_post(editor, title="Open in a tab", status="draft")
    login(client, "editor@example.org")
    stale_form = client.get(f"/admin/posts/{post.id}/edit").text
    token = csrf_token_from(stale_form)
    client.post(
        "/admin/posts/bulk",
        data={"csrf_token": token, "action": "publish", "post_ids": [str(post.id)],
              "confirmed": "yes"},
    )  # fmt: skip
    from werkzeug.datastructures import MultiDict

    from tests.conftest import _FormReader

    reader = _FormReader()
    reader.feed(stale_form)
    fields = MultiDict(max(reader.forms, key=len))
    fields["save"] = "Save"
    assert client.post(f"/admin/posts/{post.id}/edit", data=fields).status_code == 409
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
