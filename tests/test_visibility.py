"""What the public may see (app/content/visibility.py), checked where visitors look.

The first three tests are the mutation cases of issue 7: each fails if one query stops asking the
visibility module (a status filter dropped, featured blocks unfiltered, sub-pages unfiltered).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.content.settings import save_settings
from app.content.visibility import (
    is_scheduled,
    link_date_of,
    link_published_at,
    open_post_clauses,
    post_body_is_open,
    post_is_public,
    post_open_from,
    public_link_clauses,
    public_post_clauses,
    scheduled_post_clauses,
)
from app.extensions import db
from app.models import Post, PostStatus, post_categories, post_tags, utcnow
from tests.conftest import card_titles
from tests.factories import make_category, make_page, make_post, make_user

PAST = datetime(2024, 3, 5, 12, tzinfo=UTC)


def test_post_set_back_to_draft_with_its_old_date_leaves_every_public_list(client):
    author = make_user(name="Mina Author")
    section = make_category("Reports")
    make_post(author, title="Still public", category_ids=[section.id], published_at=PAST)
    withdrawn = make_post(
        author,
        title="Withdrawn report",
        category_ids=[section.id],
        tag_names=["climate"],
        published_at=PAST + timedelta(hours=1),
    )
    french = make_post(
        author,
        title="Rapport en français",
        language="fr",
        translation_of=withdrawn.id,
        published_at=PAST + timedelta(hours=2),
    )
    withdrawn_url = client.get("/2024/03/").text
    assert "Withdrawn report" in withdrawn_url  # public before the change

    withdrawn.status = PostStatus.DRAFT.value  # published_at stays 2024-03-05
    db.session.commit()

    for address in ("/", "/category/reports/", "/author/mina-author/", "/2024/", "/2024/03/"):
        page = client.get(address)
        assert page.status_code == 200, address
        assert "Withdrawn report" not in page.text, address
        assert "Still public" in page.text, address
    assert client.get("/tag/climate/").status_code == 404  # its only post is a draft now
    assert client.get("/2024/03/05/withdrawn-report/").status_code == 404
    # The French version no longer offers a link to the withdrawn English one.
    french_page = client.get(f"/2024/03/05/{french.slug}/").text
    assert "withdrawn-report" not in french_page


def test_scheduled_post_stays_out_of_featured_blocks_until_its_time(client):
    author = make_user()
    section = make_category("Campaigns")
    make_post(author, title="Pinned top story", published_at=PAST + timedelta(days=3), sticky=True)
    make_post(author, title="Running campaign", category_ids=[section.id], published_at=PAST)
    make_post(
        author,
        title="Embargoed campaign",
        category_ids=[section.id],
        published_at=utcnow() + timedelta(days=2),
    )
    save_settings({"featured_categories": [section.id]})
    db.session.commit()
    html = client.get("/").text
    featured = html[html.index('aria-label="Featured sections"') :]
    assert card_titles(featured) == ["Running campaign"]
    assert "Embargoed campaign" not in html


def test_draft_sub_pages_are_not_listed_on_their_parent_page(client):
    parent = make_page("About us")
    make_page("Our team", parent=parent)
    make_page("Secret plans", parent=parent, status=PostStatus.DRAFT.value)
    html = client.get("/about-us/").text
    assert "Our team" in html
    assert "Secret plans" not in html
    assert client.get("/about-us/secret-plans/").status_code == 404


def test_author_and_term_archives_exist_only_while_they_have_a_public_post(client):
    make_user(role="admin", name="Quiet Admin")  # no posts: no public author page
    author = make_user(name="New Writer")
    section = make_category("Upcoming")
    post = make_post(
        author,
        title="Not yet",
        category_ids=[section.id],
        tag_names=["soon"],
        published_at=utcnow() + timedelta(days=1),
    )
    for address in ("/author/quiet-admin/", "/author/new-writer/", "/category/upcoming/"):
        assert client.get(address).status_code == 404, address
    assert client.get("/tag/soon/").status_code == 404

    post.published_at = PAST
    db.session.commit()
    for address in ("/author/new-writer/", "/category/upcoming/", "/tag/soon/"):
        page = client.get(address)
        assert page.status_code == 200, address
        assert "Not yet" in page.text, address


@pytest.mark.parametrize("when", ["past", "future", "none"])
def test_the_sql_rule_and_the_python_rule_agree(app, when):
    author = make_user()
    now = utcnow()
    dates = {"past": now - timedelta(days=1), "future": now + timedelta(days=1), "none": None}
    posts = []
    for status in PostStatus:
        for password in ("", "letmein"):
            post = make_post(author, status=status.value, password=password)
            post.published_at = dates[when]
            posts.append(post)
    db.session.commit()

    def ids(*clauses) -> set[int]:
        return set(db.session.scalars(db.select(Post.id).where(*clauses)))

    assert ids(*public_post_clauses(now)) == {p.id for p in posts if post_is_public(p, now)}
    assert ids(*open_post_clauses(now)) == {p.id for p in posts if post_body_is_open(p, now)}
    assert ids(*scheduled_post_clauses(now)) == {p.id for p in posts if is_scheduled(p, now)}
    # The search index's copy of the rule: open from a stored instant on (or never).
    assert ids(post_open_from() <= now) == {p.id for p in posts if post_body_is_open(p, now)}
    # And the rule itself: only published posts whose date has come are public.
    public = {p.id for p in posts if post_is_public(p, now)}
    expected = {
        p.id for p in posts if p.status == PostStatus.PUBLISHED and when == "past"
    }  # fmt: skip
    assert public == expected
    assert {p.id for p in posts if post_body_is_open(p, now)} == {
        p.id for p in posts if p.id in expected and not p.password
    }


@pytest.mark.parametrize("when", ["past", "future", "none"])
def test_the_term_links_copy_of_the_rule_agrees(app, when):
    """Term archives ask the links (``published_at`` copied from the post, app.content.term_links)
    instead of the posts: for every status and date, the links of exactly the public posts are
    public, and each link holds what the SQL and Python forms of the copy say."""
    author = make_user()
    section = make_category("Section")
    now = utcnow()
    dates = {"past": now - timedelta(days=1), "future": now + timedelta(days=1), "none": None}
    posts = []
    for status in PostStatus:
        post = make_post(author, status=status.value, category_ids=[section.id], tag_names=["t"])
        post.published_at = dates[when]
        posts.append(post)
    db.session.commit()

    public = set(db.session.scalars(db.select(Post.id).where(*public_post_clauses(now))))
    assert public == {p.id for p in posts if post_is_public(p, now)}
    for link in (post_categories, post_tags):
        listed = set(
            db.session.scalars(db.select(link.c.post_id).where(*public_link_clauses(link, now)))
        )
        assert listed == public, link.name
        stored = dict(db.session.execute(db.select(link.c.post_id, link.c.published_at)).all())
        computed = dict(db.session.execute(db.select(Post.id, link_published_at())).all())
        assert stored == computed == {p.id: link_date_of(p) for p in posts}, link.name
