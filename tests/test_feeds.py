"""RSS and Atom feeds: what feed readers get, parsed with a real feed parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import event

from app.extensions import db
from app.media.library import add_media
from app.models import Category, MediaItem, Post, PostStatus, User
from tests import media_samples as samples
from tests.conftest import count_queries
from tests.factories import make_category, make_post, make_user

START = datetime(2024, 1, 1, 12, tzinfo=UTC)


def parse(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def writer(app):
    return make_user(name="Ada Writer")


def test_site_rss_lists_the_latest_twenty_with_full_content(client, writer):
    for n in range(22):
        make_post(
            writer, title=f"Post {n:02d}", body=f"Body *{n}*", published_at=START + timedelta(n)
        )
    response, feed = parse(client, "/feed/")
    assert response.content_type.startswith("application/rss+xml")
    assert feed.version == "rss20"
    titles = [e.title for e in feed.entries]
    assert titles == [f"Post {n:02d}" for n in range(21, 1, -1)]
    first = feed.entries[0]
    assert first.link.startswith("http://localhost/2024/01/22/")
    assert "<em>21</em>" in first.content[0].value
    assert first.summary
    assert first.author == "Ada Writer"


def test_atom_feed_has_the_required_elements(client, writer):
    post = make_post(writer, title="Report", body="Text", byline_name="Rosa Outside")
    response, feed = parse(client, "/feed/atom/")
    assert response.content_type.startswith("application/atom+xml")
    assert feed.version == "atom10"
    # RFC 4287: feed id, title, updated; entry id, title, updated; an author for each entry.
    assert feed.feed.id and feed.feed.title and feed.feed.updated
    entry = feed.entries[0]
    assert entry.id.endswith(f"/{post.slug}/") and entry.title == "Report" and entry.updated
    assert entry.author == "Rosa Outside"  # the outside byline of a repost
    assert entry.published


def test_categories_and_featured_image_come_with_each_entry(client, writer):
    section = make_category("Fisheries")
    item = add_media(samples.photo((1400, 900)), "boat.jpg", writer, alt="A boat")
    db.session.commit()
    make_post(writer, title="Boats", category_ids=[section.id], featured_media_id=item.id)
    _response, feed = parse(client, "/feed/")
    entry = feed.entries[0]
    assert [t.term for t in entry.tags] == ["Fisheries"]
    enclosure = entry.enclosures[0]
    assert enclosure.href.startswith("http://localhost/media/")
    assert enclosure.type == "image/jpeg" and int(enclosure.length) > 0


def test_relative_addresses_in_bodies_become_absolute(client, writer):
    make_post(writer, title="Links", body="See [our report](/reports/2024/) and ![x](/media/a.png)")
    _response, feed = parse(client, "/feed/")
    content = feed.entries[0].content[0].value
    assert 'href="http://localhost/reports/2024/"' in content
    assert 'src="http://localhost/media/a.png"' in content


def test_private_protected_draft_and_scheduled_posts_never_reach_a_feed(client, writer):
    make_post(writer, title="Open", body="open words")
    make_post(writer, title="Locked", body="secret words", password="sesame")
    make_post(writer, title="Private", body="secret words", status=PostStatus.PRIVATE.value)
    make_post(writer, title="Draft", body="secret words", status=PostStatus.DRAFT.value)
    make_post(
        writer,
        title="Later",
        body="secret words",
        published_at=datetime.now(UTC) + timedelta(days=2),
    )
    for url in ["/feed/", "/feed/atom/", f"/author/{writer.slug}/feed/"]:
        response = client.get(url)
        assert b"secret" not in response.data
        assert [e.title for e in feedparser.parse(response.data).entries] == ["Open"]


def test_category_tag_author_and_language_feeds(client, writer):
    other = make_user(name="Bo")
    parent = make_category("Reports")
    child = make_category("Annual", parent=parent)
    make_post(writer, title="Annual report", category_ids=[child.id], tag_names=["Eels"])
    make_post(other, title="Bericht", language="de")
    make_post(other, title="Other")
    assert [e.title for e in parse(client, "/category/reports/feed/")[1].entries] == [
        "Annual report"
    ]
    assert [e.title for e in parse(client, "/tag/eels/feed/atom/")[1].entries] == ["Annual report"]
    assert [e.title for e in parse(client, f"/author/{other.slug}/feed/")[1].entries] == [
        "Other",
        "Bericht",
    ]
    assert [e.title for e in parse(client, "/feed/?lang=de")[1].entries] == ["Bericht"]
    assert client.get("/category/nope/feed/").status_code == 404
    silent = make_user(name="No Posts Yet")
    assert client.get(f"/author/{silent.slug}/feed/").status_code == 404


def test_feed_readers_polling_get_304(client, writer):
    make_post(writer, title="One")
    first = client.get("/feed/")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/feed/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    since = client.get("/feed/", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    make_post(writer, title="Two")
    assert client.get("/feed/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_pages_point_feed_readers_at_the_feeds(client, writer):
    make_category("Fisheries")
    section = make_category("Rivers")
    make_post(writer, title="Salmon", category_ids=[section.id])
    home = client.get("/").text
    assert 'rel="alternate" type="application/rss+xml"' in home
    assert 'href="http://localhost/feed/atom/"' in home
    archive = client.get("/category/rivers/").text
    assert 'href="http://localhost/category/rivers/feed/"' in archive


def test_a_feed_costs_the_same_queries_for_five_or_twenty_posts(app, client, writer):
    sections = [make_category(f"S{n}") for n in range(3)]
    for n in range(5):
        make_post(writer, title=f"P{n}", category_ids=[sections[n % 3].id], tag_names=["t"])
    with count_queries(app) as few:
        client.get("/feed/")
    for n in range(25):
        make_post(make_user(), title=f"Q{n}", category_ids=[s.id for s in sections])
    with count_queries(app) as many:
        client.get("/feed/")
    assert len(few) == len(many) <= 6


def test_a_feed_reads_plain_rows_not_orm_objects(app, client, writer):
    section = make_category("Rivers")
    item = add_media(samples.photo((1400, 900)), "river.jpg", writer, alt="A river")
    db.session.commit()
    for n in range(3):
        make_post(writer, title=f"River {n}", category_ids=[section.id],
                  featured_media_id=item.id, published_at=START + timedelta(n))  # fmt: skip
    urls = ["/feed/", "/feed/atom/", "/category/rivers/feed/"]
    for url in urls:  # the category outline, kept per site state, is read once
        parse(client, url)
    built: list[str] = []

    def note(target, context) -> None:
        built.append(type(target).__name__)

    for model in (Post, User, MediaItem, Category):
        event.listen(model, "load", note)
    try:
        for url in urls:
            _response, feed = parse(client, url)
            assert [e.title for e in feed.entries] == ["River 2", "River 1", "River 0"]
            assert feed.entries[0].author == "Ada Writer"
            if "atom" not in url:  # RSS's enclosure (feedgen writes none in Atom)
                assert feed.entries[0].enclosures[0].href.startswith("http://localhost/media/")
    finally:
        for model in (Post, User, MediaItem, Category):
            event.remove(model, "load", note)
    assert built == []


def test_a_kept_entry_is_written_again_when_anything_it_shows_changes(app, client, writer):
    section = make_category("Rivers")
    post = make_post(writer, title="Salmon", body="Old words", category_ids=[section.id])
    for url in ["/feed/", "/feed/atom/"]:  # written and kept by this worker
        entry = parse(client, url)[1].entries[0]
        assert "Old words" in entry.content[0].value and entry.author == "Ada Writer"

    post.body_html = "<p>New words</p>"  # a body changed without its version (an import, say)
    section.name = "Streams"
    writer.display_name = "Ada Renamed"
    db.session.commit()
    for url in ["/feed/", "/feed/atom/"]:
        entry = parse(client, url)[1].entries[0]
        assert "New words" in entry.content[0].value
        assert "Old words" not in entry.content[0].value
        assert entry.author == "Ada Renamed"
        assert [t.get("label") or t.term for t in entry.tags] == ["Streams"]
    # Another address of the same site: links are written for the address asked.
    entry = parse(client, "/feed/", Host="news.example.org")[1].entries[0]
    assert entry.link.startswith("http://news.example.org/")


def test_rss_entries_keep_the_usual_namespace_prefixes(client, writer):
    make_post(writer, title="Prefixes", body="Text")
    text = client.get("/feed/").text
    # Readers that look for the prefixed names, not the namespaces, still find them.
    assert "<content:encoded><![CDATA[" in text and "<dc:creator>Ada Writer</dc:creator>" in text
    assert text.count('xmlns:content="') == 1 and text.count('xmlns:dc="') == 1


def test_an_archive_feed_in_one_language_looks_past_newer_posts_in_others(client, writer):
    parent = make_category("Reports")
    child = make_category("Annual", parent=parent)
    make_post(writer, title="Bericht", language="de", category_ids=[child.id], published_at=START)
    make_post(writer, title="Verschlossen", language="de", category_ids=[parent.id],
              password="sesame", published_at=START + timedelta(hours=1))  # fmt: skip
    for n in range(22):  # more than a feed holds, all newer, in English
        make_post(writer, title=f"Report {n}", category_ids=[parent.id, child.id],
                  tag_names=["eels"], published_at=START + timedelta(days=1 + n))  # fmt: skip
    for url in ["/category/reports/feed/?lang=de", f"/author/{writer.slug}/feed/atom/?lang=de"]:
        assert [e.title for e in parse(client, url)[1].entries] == ["Bericht"], url
    assert len(parse(client, "/tag/eels/feed/")[1].entries) == 20
