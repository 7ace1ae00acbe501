"""No lost work: revisions with diff and restore, the lost-update conflict between two sessions
(on both databases), and server-side autosave."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from app.content.settings import save_settings
from app.extensions import db
from app.models import Autosave, Post, Revision
from tests.conftest import _FormReader, csrf_token_from, login, submit_form
from tests.factories import make_page, make_post, make_user


def _revisions(post_id: int, kind: str = "post") -> list[Revision]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Revision)
            .where(Revision.content_type == kind, Revision.content_id == post_id)
            .order_by(Revision.id)
        )
    )


def _new_post(client, title: str, body: str) -> Post:
    response = submit_form(client, "/admin/posts/new", {"title": title, "body": body})
    assert response.status_code == 302, response.text
    return db.session.scalar(db.select(Post).where(Post.title == title))


def test_every_save_keeps_a_revision_and_restoring_adds_one(app, client):
    make_user(email="author@example.org", name="Amira Author")
    login(client, "author@example.org")
    post = _new_post(client, "First title", "First text.")
    edit = f"/admin/posts/{post.id}/edit"
    submit_form(client, edit, {"title": "Second title", "body": "Second text."})
    submit_form(client, edit, {"body": "Third text, much better."})
    kept = _revisions(post.id)
    assert [r.title for r in kept] == ["First title", "Second title", "Second title"]
    assert kept[0].body_source == "First text."
    assert kept[0].author.display_name == "Amira Author" and kept[0].status == "draft"

    listing = client.get(f"/admin/posts/{post.id}/revisions").text
    assert listing.count('name="a"') == 3 and "(current)" in listing

    compare = client.get(
        f"/admin/posts/{post.id}/revisions/compare?a={kept[0].id}&b={kept[2].id}"
    ).text
    assert 'class="diff"' in compare
    text = compare.replace("&nbsp;", " ")  # difflib keeps spaces as &nbsp;
    assert "First text." in text and "Third text, much better." in text
    assert "Title: <del><bdi>First title</bdi></del>" in compare

    token = csrf_token_from(listing)
    restored = client.post(
        f"/admin/posts/{post.id}/revisions/{kept[0].id}/restore", data={"csrf_token": token}
    )
    assert restored.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert (post.title, post.body_source) == ("First title", "First text.")
    assert "<p>First text.</p>" in post.body_html
    after = _revisions(post.id)
    assert len(after) == 4 and after[-1].note == f"restored from revision {kept[0].id}"


def test_pruning_keeps_only_the_newest_when_configured(app, client):
    save_settings({"revisions_to_keep": 2})
    db.session.commit()
    make_user(email="author@example.org")
    login(client, "author@example.org")
    post = _new_post(client, "Pruned", "v1")
    for n in range(2, 5):
        submit_form(client, f"/admin/posts/{post.id}/edit", {"body": f"v{n}"})
    assert [r.body_source for r in _revisions(post.id)] == ["v3", "v4"]


def test_pages_keep_revisions_too(app, client):
    make_user(email="editor@example.org", role="editor")
    page = make_page("About us", body="Old words.")
    login(client, "editor@example.org")
    submit_form(client, f"/admin/pages/{page.id}/edit", {"body": "New words."})
    # The page's creation (test setup saves through the same domain function) and the edit.
    assert [r.body_source for r in _revisions(page.id, "page")] == ["Old words.", "New words."]
    assert "(current)" in client.get(f"/admin/pages/{page.id}/revisions").text


def test_a_save_over_a_colleagues_newer_save_is_a_conflict_not_an_overwrite(app):
    """Two editors, two sessions, the same post."""
    make_user(email="one@example.org", role="editor", name="Editor One")
    make_user(email="two@example.org", role="editor", name="Editor Two")
    post = make_post(make_user(), title="Shared", body="Original text.")
    one, two = app.test_client(), app.test_client()
    login(one, "one@example.org")
    login(two, "two@example.org")
    edit = f"/admin/posts/{post.id}/edit"
    form_one = one.get(edit).text
    form_two = two.get(edit).text
    assert 'name="version" type="hidden" value="1"' in form_one

    def save(client, page, body):
        """Submit the form exactly as it is on ``page`` (its version included), with ``body``."""
        reader = _FormReader()
        reader.feed(page)
        fields = MultiDict(max(reader.forms, key=len))
        fields["body"] = body
        fields["save"] = "Save"
        return client.post(edit, data=fields)

    assert save(one, form_one, "Editor one's text.").status_code == 302
    conflict = save(two, form_two, "Editor two's text.")
    assert conflict.status_code == 409
    html = conflict.text
    assert "Someone else saved this post while you were editing" in html
    assert "<bdi>Editor One</bdi> saved it" in html
    assert "Editor one&#39;s text." in html and "Editor two&#39;s text." in html  # both shown
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Editor two&#39;s text.</textarea>', html)
    assert 'class="diff"' in html
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Editor one's text."  # not overwritten

    # The conflict form carries the new version: saving now is a deliberate choice.
    assert save(two, html, "Editor two's text, merged.").status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Editor two's text, merged."
    assert [r.body_source for r in _revisions(post.id)] == [
        "Original text.",
        "Editor one's text.",
        "Editor two's text, merged.",
    ]


def test_the_update_itself_refuses_a_stale_copy(app):
    """Check-then-write is a race: the UPDATE repeats the version check in SQL."""
    post = make_post(make_user(), title="Raced", body="Start.")
    stale = db.session.get(Post, post.id)
    assert stale.version == 1
    with Session(db.engine) as other:  # a second request that saves first
        theirs = other.get(Post, post.id)
        theirs.body_source = "Theirs."
        theirs.version = 2
        other.commit()
    stale.body_source = "Mine, based on version 1."
    stale.version = 2
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Post, post.id).body_source == "Theirs."


def test_autosave_is_kept_per_user_offered_and_restored_without_touching_the_post(app, client):
    author = make_user(email="author@example.org")
    post = make_post(author, title="Live title", body="Live text.", status="draft")
    login(client, "author@example.org")
    edit = client.get(f"/admin/posts/{post.id}/edit").text
    assert f'data-autosave-url="/admin/autosave/post/{post.id}"' in edit
    token = csrf_token_from(edit)
    response = client.post(
        f"/admin/autosave/post/{post.id}",
        data={"csrf_token": token, "title": "Live title", "body": "Typed but never saved.",
              "version": "1"},
    )  # fmt: skip
    assert response.status_code == 200 and response.get_json()["saved"] is True
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Live text."  # the post is untouched
    copy = db.session.scalar(db.select(Autosave))
    assert copy.key == f"post-{post.id}" and copy.fields["body"] == "Typed but never saved."
    assert "csrf_token" not in copy.fields

    offered = client.get(f"/admin/posts/{post.id}/edit").text
    assert "Restore the autosaved copy" in offered
    restored = client.get(f"/admin/posts/{post.id}/edit?autosave=restore").text
    assert re.search(r'name="body"[^>]*>\s*Typed but never saved.</textarea>', restored)

    # Another user never sees it.
    other = app.test_client()
    make_user(email="editor@example.org", role="editor")
    login(other, "editor@example.org")
    assert "Restore the autosaved copy" not in other.get(f"/admin/posts/{post.id}/edit").text

    # Saving the form makes the autosave obsolete.
    submit_form(client, f"/admin/posts/{post.id}/edit?autosave=restore", {})
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Typed but never saved."
    assert db.session.scalar(db.select(Autosave)) is None


def test_autosave_of_a_new_post_is_offered_on_the_new_post_form(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    token = csrf_token_from(client.get("/admin/posts/new").text)
    client.post(
        "/admin/autosave/post/new",
        data={"csrf_token": token, "title": "Half an idea", "body": "Draft text."},
    )
    assert "Restore the autosaved copy" in client.get("/admin/posts/new").text


def test_deleting_a_post_removes_its_revisions_and_autosaves(app, client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    post = _new_post(client, "Short-lived", "x")
    post_id = post.id
    token = csrf_token_from(client.get(f"/admin/posts/{post_id}/delete").text)
    client.post(f"/admin/autosave/post/{post_id}", data={"csrf_token": token, "body": "y"})
    client.post(f"/admin/posts/{post_id}/delete", data={"csrf_token": token})
    assert _revisions(post_id) == []
    assert db.session.scalar(db.select(Autosave)) is None


def test_admin_sets_how_many_revisions_to_keep(client):
    make_user(email="admin@example.org", role="admin")
    login(client, "admin@example.org")
    form = client.get("/admin/settings").text
    assert 'name="revisions_to_keep"' in form and 'value="0"' in form
    response = submit_form(client, "/admin/settings", {"revisions_to_keep": "5"})
    assert response.status_code == 302
    from app.content.settings import get_setting

    db.session.expire_all()
    assert get_setting("revisions_to_keep") == 5
