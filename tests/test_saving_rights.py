"""Publishing rights live in the domain: whoever calls save_post / delete_post / save_page (a view,
a script, a future API), a role cannot do more than the staff screens allow."""

from __future__ import annotations

import pytest

from app.content.audit import Actor
from app.content.pages import PageDraft, delete_page, save_page
from app.content.permissions import NotAllowed
from app.content.publishing import PostDraft, StatusNotAllowed, delete_post, save_post
from app.content.revisions import ConflictError
from app.content.slugs import SlugTaken
from app.extensions import db
from app.models import AuditEvent, Page, Post, PostStatus, Revision, Role
from tests.factories import make_page, make_post, make_user


def _as(user) -> Actor:
    return Actor(user=user, ip="192.0.2.1")


@pytest.mark.parametrize("status", [PostStatus.PUBLISHED.value, PostStatus.PRIVATE.value])
def test_a_contributor_cannot_publish_a_new_post_through_the_domain(app, status):
    cora = make_user(Role.CONTRIBUTOR)
    with pytest.raises(StatusNotAllowed):
        save_post(None, PostDraft(title="Sneaky", body_source="x", status=status), by=_as(cora))
    db.session.rollback()
    assert db.session.scalar(db.select(Post).where(Post.title == "Sneaky")) is None


def test_a_contributor_cannot_publish_their_draft_through_the_domain(app):
    cora = make_user(Role.CONTRIBUTOR)
    post = make_post(cora, title="Mine", status=PostStatus.DRAFT.value)
    with pytest.raises(StatusNotAllowed):
        save_post(post, PostDraft(title="Mine", body_source="x", status="published"), by=_as(cora))
    db.session.rollback()
    assert db.session.get(Post, post.id).status == PostStatus.DRAFT.value
    # Submitting for review is theirs to do, and audited.
    save_post(post, PostDraft(title="Mine", body_source="x", status="pending"), by=_as(cora))
    db.session.commit()
    assert db.session.get(Post, post.id).status == PostStatus.PENDING.value
    assert db.session.scalar(
        db.select(AuditEvent.action).where(AuditEvent.actor_id == cora.id)
    ) == ("post.submitted")


def test_an_author_cannot_edit_or_delete_someone_elses_post_through_the_domain(app):
    owner, other = make_user(Role.AUTHOR), make_user(Role.AUTHOR)
    post = make_post(owner, title="Theirs")
    with pytest.raises(NotAllowed):
        save_post(post, PostDraft(title="Hijacked", body_source="x"), by=_as(other))
    db.session.rollback()
    with pytest.raises(NotAllowed):
        delete_post(db.session.get(Post, post.id), by=_as(other))
    db.session.rollback()
    assert db.session.get(Post, post.id).title == "Theirs"


def test_an_author_cannot_link_their_post_to_someone_elses_as_a_translation(app):
    owner, other = make_user(Role.AUTHOR), make_user(Role.AUTHOR)
    theirs = make_post(owner, title="Original")
    draft = PostDraft(title="Übersetzung", body_source="x", translation_of=theirs.id)
    with pytest.raises(NotAllowed):
        save_post(None, draft, by=_as(other))
    db.session.rollback()
    assert db.session.get(Post, theirs.id).translation_group is None


def test_anonymous_callers_may_do_nothing(app):
    post = make_post(make_user(Role.AUTHOR), title="Kept")
    with pytest.raises(NotAllowed):
        save_post(None, PostDraft(title="Spam", body_source="x"), by=Actor(ip="192.0.2.9"))
    with pytest.raises(NotAllowed):
        delete_post(post, by=Actor(ip="192.0.2.9"))


def test_an_editor_saving_through_the_domain_gets_revision_audit_and_version(app):
    editor = make_user(Role.EDITOR)
    post = make_post(make_user(Role.CONTRIBUTOR), title="Queued", status="pending")
    version = post.version
    save_post(
        post,
        PostDraft(title="Queued", body_source="Edited.", status="published"),
        by=_as(editor),
        expected_version=version,
    )
    db.session.commit()
    saved = db.session.get(Post, post.id)
    assert saved.status == "published" and saved.version == version + 1
    assert db.session.scalar(
        db.select(AuditEvent.action).where(AuditEvent.actor_id == editor.id)
    ) == ("post.published")
    newest = db.session.scalars(
        db.select(Revision).where(Revision.content_id == post.id).order_by(Revision.id.desc())
    ).first()
    assert newest.body_source == "Edited." and newest.author_id == editor.id
    # A second save from the copy loaded before that one is a conflict, not an overwrite.
    with pytest.raises(ConflictError):
        save_post(
            saved,
            PostDraft(title="Queued", body_source="Stale.", status="published"),
            by=_as(editor),
            expected_version=version,
        )
    db.session.rollback()
    assert db.session.get(Post, post.id).body_source == "Edited."


def test_a_typed_slug_in_use_is_refused_and_a_title_slug_moves_on(app):
    author = make_user(Role.AUTHOR)
    make_post(author, title="Taken", slug="taken")
    with pytest.raises(SlugTaken):
        save_post(None, PostDraft(title="New", body_source="x", slug="taken"), by=_as(author))
    db.session.rollback()
    post = save_post(None, PostDraft(title="Taken", body_source="x"), by=_as(author))
    db.session.commit()
    assert post.slug == "taken-2"


def test_only_page_managers_save_or_delete_pages_through_the_domain(app):
    author, editor = make_user(Role.AUTHOR), make_user(Role.EDITOR)
    page = make_page("About")
    with pytest.raises(NotAllowed):
        save_page(None, PageDraft(title="Rogue", body_source="x"), by=_as(author))
    with pytest.raises(NotAllowed):
        delete_page(page, by=_as(author))
    db.session.rollback()
    saved = save_page(None, PageDraft(title="Contact", body_source="x"), by=_as(editor))
    db.session.commit()
    assert saved.author_id == editor.id and saved.slug == "contact"
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 2
