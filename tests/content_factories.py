"""Posts filed in categories and tags, built through the same domain functions the app uses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from app.content.publishing import PostDraft, save_post
from app.extensions import db
from app.models import Post, PostStatus, User
from tests.factories import SETUP

_sequence = itertools.count(1)


def make_filed_post(
    author: User,
    title: str,
    *,
    category_ids: list[int] | None = None,
    tag_names: list[str] | None = None,
) -> Post:
    n = next(_sequence)
    post = save_post(
        None,
        PostDraft(
            title=title,
            body_source="Words for the body.",
            status=PostStatus.PUBLISHED.value,
            published_at=datetime(2024, 3, 1, 12, tzinfo=UTC) + timedelta(hours=n),
            category_ids=category_ids or [],
            tag_names=tag_names or [],
        ),
        by=SETUP,
        author=author,
    )
    db.session.commit()
    return post
