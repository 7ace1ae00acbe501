"""Category and tag archives walk the links' copy of the post's date (app.content.term_links):
whatever changes a post, its terms or the terms themselves, they list exactly what the posts'
own rule says (``public_post_clauses`` with an ``EXISTS`` probe of the link, the old query)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, insert

from app.content import term_links
from app.content.archives import archive_posts, find_archive
from app.content.listing import MAX_PAGE, paginate
from app.content.taxonomy import delete_category, delete_tag, merge_tags
from app.content.visibility import public_posts
from app.extensions import db
from app.models import Category, Post, PostStatus, Tag, post_categories, post_tags, utcnow
from tests.conftest import card_titles, move_clock
from tests.factories import make_category, make_post, make_user


def _old_archive(kind: str, slug: str) -> list[int]:
    """The archive as the posts' own rule defines it: public posts with a link, newest first."""
    subject, _listing = find_archive(kind, slug)
    if kind == "tag":
        link, ids = post_tags.c.tag_id, [subject.id]
        table = post_tags
    else:
        from app.content.taxonomy import category_rows, descendant_ids

        table, link = post_categories, post_categories.c.category_id
        ids = [subject.id, *descendant_ids(subject.id, category_rows())]
    probe = exists().where(table.c.post_id == Post.id, link.in_(ids))
    return [p.id for p in db.session.scalars(public_posts().where(probe))]


def _archive(kind: str, slug: str, per_page: int = 2) -> list[int]:
    """Every page of the archive, as the public pages read it."""
    _subject, listing = archive_posts(kind, slug)
    ids: list[int] = []
    for page in range(1, MAX_PAGE + 1):
        window = paginate(listing, page, per_page)
        ids += [p.id for p in window.items]
        if not window.has_next:
            return ids
    raise AssertionError("more pages than expected")


def _agree(*archives: tuple[str, str]) -> None:
    db.session.expire_all()
    for kind, slug in archives:
        expected = _old_archive(kind, slug)
        assert _archive(kind, slug) == expected, (kind, slug)
        assert len(set(expected)) == len(expected)


def test_archives_follow_every_change_of_posts_and_terms(app):
    author = make_user()
    news = make_category("News")
    local, world = make_category("Local", parent=news), make_category("World", parent=news)
    other = make_category("Other")
    past = utcnow() - timedelta(days=30)
    posts = [
        make_post(
            author,
            title=f"Post {n}",
            published_at=past + timedelta(hours=n),
            category_ids=[[news.id], [local.id], [world.id], [local.id, world.id], [other.id]][
                n % 5
            ],
            tag_names=[["climate"], ["climate", "rare"], []][n % 3],
        )
        for n in range(12)
    ]
    draft = make_post(
        author, title="Draft", status=PostStatus.DRAFT.value, tag_names=["climate"],
        category_ids=[local.id],
    )  # fmt: skip
    watched = [("category", "news"), ("category", "local"), ("category", "world")]
    watched += [("category", "other"), ("tag", "climate"), ("tag", "rare")]
    _agree(*watched)
    # Every post linked to Local and World is listed once in News.
    both = [p.id for p in posts if {c.id for c in p.categories} == {local.id, world.id}]
    assert both and all(_archive("category", "news").count(i) == 1 for i in both)

    draft.status = PostStatus.PUBLISHED.value  # publish, no date yet ...
    db.session.commit()
    _agree(*watched)
    draft.published_at = past + timedelta(hours=100)  # ... then dated: now public, newest
    db.session.commit()
    _agree(*watched)
    assert _archive("tag", "climate")[0] == draft.id

    posts[1].status = PostStatus.DRAFT.value  # unpublish
    posts[2].published_at = utcnow() + timedelta(days=2)  # reschedule into the future
    posts[3].published_at = past - timedelta(days=400)  # and further into the past
    db.session.commit()
    _agree(*watched)
    assert posts[2].id not in _archive("category", "world")

    db.session.delete(posts[4])  # delete
    posts[5].tags = [*posts[5].tags, db.session.scalar(db.select(Tag).filter_by(slug="rare"))]
    posts[6].categories = [other]  # move
    posts[7].tags = []  # remove terms
    db.session.commit()
    _agree(*watched)

    merge_tags(  # the moved links are written in bulk
        db.session.scalar(db.select(Tag).filter_by(slug="rare")),
        db.session.scalar(db.select(Tag).filter_by(slug="climate")),
    )
    db.session.commit()
    _agree(("tag", "climate"), *watched[:4])
    delete_category(db.session.get(Category, world.id))  # its posts fall back, via the ORM
    db.session.commit()
    _agree(("tag", "climate"), ("category", "news"), ("category", "local"))
    delete_tag(db.session.scalar(db.select(Tag).filter_by(slug="climate")))
    db.session.commit()
    _agree(("category", "news"), ("category", "local"), ("category", "other"))


def test_links_written_in_bulk_get_their_dates_from_sync(app):
    post = make_post(make_user(), title="Bulk linked")
    tag = Tag(name="bulk", slug="bulk")
    db.session.add(tag)
    db.session.flush()
    db.session.execute(insert(post_tags), [{"post_id": post.id, "tag_id": tag.id}])
    assert _archive("tag", "bulk") == []  # a Core insert passes the listener by ...
    term_links.sync_link_dates(db.session.connection(), [post.id])
    assert _archive("tag", "bulk") == [post.id]  # ... so bulk writers call sync_link_dates


def test_archive_pages_and_feeds_list_each_post_once(client):
    author = make_user()
    news = make_category("News")
    local, world = make_category("Local", parent=news), make_category("World", parent=news)
    for n in range(5):
        make_post(author, title=f"Story {n}", category_ids=[local.id, world.id], tag_names=["t"])
    make_post(author, title="Locked", category_ids=[local.id], password="secret")
    html = client.get("/category/news/").text
    assert card_titles(html) == ["Locked", *(f"Story {n}" for n in range(4, -1, -1))]
    feed = client.get("/category/news/feed/").text
    assert feed.count("<item>") == 5 and "Locked" not in feed  # open posts only, once each
    assert client.get("/tag/t/feed/atom/").text.count("<entry>") == 5


def test_scheduled_posts_join_term_archives_when_their_time_comes(app_factory, monkeypatch):
    """Archive statements are built once per shape and ask for the time when they run."""
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        client = app.test_client()
        author = make_user()
        news = make_category("News")
        local = make_category("Local", parent=news)
        make_post(author, title="Already out", category_ids=[local.id], tag_names=["harbour"])
        arrival = utcnow().replace(microsecond=0) + timedelta(days=2)
        make_post(
            author,
            title="Embargoed",
            published_at=arrival,
            category_ids=[local.id],
            tag_names=["harbour"],
        )
        # With sub-categories (one range per category, merged) and without.
        urls = ("/category/news/", "/category/local/", "/tag/harbour/")
        for url in urls:
            assert card_titles(client.get(url).text) == ["Already out"], url

        later = arrival + timedelta(minutes=1)
        move_clock(monkeypatch, later)
        for url in urls:
            assert card_titles(client.get(url).text) == ["Embargoed", "Already out"], url


def test_tag_and_author_archives_show_renames_at_once_and_read_their_subject_once(app_factory):
    """A tag or author archive finds its subject by address once per site state (a plain row
    kept per worker), so a repeat view runs one statement; renaming the tag or the author is
    a public change, seen on the next view."""
    from app.accounts.staff import update_profile
    from app.content.taxonomy import save_tag
    from tests.conftest import count_queries

    app = app_factory(PAGE_CACHE=False)
    client = app.test_client()
    with app.app_context():
        writer = make_user(name="Nasrin Sotoudeh")
        make_post(writer, title="On the trial", tag_names=["Courts"])
        for url in ("/tag/courts/", "/author/nasrin-sotoudeh/"):
            client.get(url)  # what is read once per site state
            with count_queries(app) as statements:
                assert client.get(url).status_code == 200
            assert len(statements) == 1, (url, statements)
        tag = db.session.scalar(db.select(Tag).where(Tag.slug == "courts"))
        save_tag(tag, name="Trials and courts", slug="courts")
        db.session.commit()
        assert "Trials and courts</h1>" in client.get("/tag/courts/").text
        update_profile(writer, "N. Sotoudeh", "Lawyer.")
        db.session.commit()
        assert "N. Sotoudeh</h1>" in client.get(f"/author/{writer.slug}/").text
        assert client.get("/tag/no-such-tag/").status_code == 404
