"""The database itself refuses statuses, roles and menu items the app does not know.

A script, an import or a future API that writes rows directly cannot store a typo such as
``"publised"`` (which would silently hide a post) or a role that no permission rule knows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import MenuItem, Page, PageStatus, Post, PostStatus, User
from tests.factories import make_category, make_page, make_post, make_user


def _refused(statement) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(statement)
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("status", ["publised", "trash", ""])
def test_a_post_status_must_be_a_known_one(app, status):
    post = make_post(make_user())
    _refused(update(Post).where(Post.id == post.id).values(status=status))
    for known in PostStatus:
        db.session.execute(update(Post).where(Post.id == post.id).values(status=known.value))
    db.session.commit()


@pytest.mark.parametrize("status", ["pending", "private", "publised"])
def test_a_page_is_a_draft_or_published(app, status):
    page = make_page("About us")
    _refused(update(Page).where(Page.id == page.id).values(status=status))
    assert {s.value for s in PageStatus} == {"draft", "published"}


def test_a_role_must_be_a_known_one(app):
    user = make_user()
    _refused(update(User).where(User.id == user.id).values(role="root"))


def test_a_menu_item_is_a_page_or_a_category(app):
    page, category = make_page("About us"), make_category("News")
    for both_or_neither in ({"page_id": page.id, "category_id": category.id}, {}):
        with pytest.raises(IntegrityError):
            db.session.add(MenuItem(position=0, **both_or_neither))
            db.session.flush()
        db.session.rollback()
    db.session.add_all(
        [MenuItem(position=0, page_id=page.id), MenuItem(position=1, category_id=category.id)]
    )
    db.session.commit()
