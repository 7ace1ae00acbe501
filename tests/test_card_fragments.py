"""Post cards and the home page's headline rows are rendered once per worker for each distinct
content (app.templating ``post_card``, ``headline_item``), even with the page cache off, and a
visitor still sees every change to what a card shows on the next view.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from app import templating
from app.accounts.staff import update_profile
from app.caching import fragments
from app.content.publishing import PostDraft, save_post
from app.content.settings import save_settings
from app.extensions import db
from app.media.library import add_media
from app.models import Post, User
from tests import media_samples as samples
from tests.factories import SETUP, make_category, make_post, make_user

MEMO_KEY = "broadside.per_value"


@pytest.fixture
def uncached(app_factory):
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        yield app


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The card and headline templates actually rendered, in order."""
    seen: list[str] = []
    original = templating._render

    def counting(template: str, context: dict):
        seen.append(template)
        return original(template, context)

    monkeypatch.setattr(templating, "_render", counting)
    return seen


def _cards(html: str) -> list[str]:
    return [
        "<article" + part.split("</article>", 1)[0]
        for part in html.split("<article")[1:]
        if 'class="post-card' in part.split(">", 1)[0]
    ]


def _card(html: str, marker: str) -> str:
    found = [card for card in _cards(html) if marker in card]
    assert len(found) == 1, f"{len(found)} cards hold {marker!r}"
    return found[0]


def _headlines(html: str) -> str:
    return html.split('<ul class="headlines__list">', 1)[1].split("</ul>", 1)[0]


def _resave(post: Post, **changes) -> Post:
    """Save ``post`` again through the editors' path, with ``changes`` to its draft."""
    post = db.session.get(Post, post.id)
    draft = PostDraft(
        title=post.title,
        body_source=post.body_source,
        slug=post.slug,
        custom_excerpt=post.custom_excerpt or "",
        status=post.status,
        published_at=post.published_at,
        language=post.language,
        category_ids=[category.id for category in post.categories],
        byline_name=post.byline_name or "",
        featured_media_id=post.featured_media_id,
        password=post.password or "",
    )
    saved = save_post(post, dataclasses.replace(draft, **changes), by=SETUP)
    db.session.commit()
    return saved


def _photo(uploader: User, name: str, size=(1200, 800)):
    item = add_media(samples.photo(size), f"{name}.jpg", uploader, alt=f"{name} photo")
    db.session.commit()
    return item


def _src(card: str) -> str:
    return re.search(r'<img [^>]*\bsrc="([^"]+)"', card)[1]


# What a visitor sees change in the card: (draft changes, text now in the card, text gone).
EDITS = {
    "title": ({"title": "Harbour strike ends"}, ">Harbour strike ends</a>", ">Harbour strike<"),
    "excerpt": (
        {"custom_excerpt": "Dockers vote to return"},
        "Dockers vote to return",
        "Pay talks",
    ),
    "slug": ({"slug": "strike-over"}, '/strike-over/"', '/harbour-strike/"'),
    "date": (
        {"published_at": datetime(2023, 7, 9, 12, tzinfo=UTC)},
        "July 9, 2023",
        "March 2, 2024",
    ),
    "password": ({"password": "dock-code"}, "This post is password protected.", "Pay talks"),
    "byline": ({"byline_name": "Wire desk"}, "<bdi>Wire desk</bdi>", "/author/"),
    "language": (
        {"language": "fa"},
        'class="post-card" lang="fa" dir="rtl"',
        'class="post-card" lang="en" dir="ltr"',
    ),
}


@pytest.mark.parametrize("field", list(EDITS))
def test_an_edit_shows_in_the_card_on_the_next_view(uncached, field):
    client = uncached.test_client()
    author = make_user(name="Dana Reporter")
    post = make_post(
        author,
        title="Harbour strike",
        slug="harbour-strike",
        excerpt="Pay talks stall",
        published_at=datetime(2024, 3, 2, 12, tzinfo=UTC),
    )
    make_post(author, title="Another story", published_at=datetime(2024, 3, 1, 12, tzinfo=UTC))
    changes, shown, gone = EDITS[field]
    urls = ("/", f"/author/{author.slug}/")
    for url in urls:
        assert gone in _card(client.get(url).text, "Harbour strike")

    _resave(post, **changes)
    for url in urls:
        card = _card(client.get(url).text, "Harbour strike")
        assert shown in card
        assert gone not in card


def test_the_date_link_follows_a_new_publication_date(uncached):
    client = uncached.test_client()
    post = make_post(make_user(), title="Dated", published_at=datetime(2024, 3, 2, 12, tzinfo=UTC))
    assert '/2024/03/02/dated/"' in _card(client.get("/").text, "Dated")
    _resave(post, published_at=datetime(2023, 7, 9, 12, tzinfo=UTC))
    card = _card(client.get("/").text, "Dated")
    assert '/2023/07/09/dated/"' in card and '"/2023/7/"' in card
    assert "/2024/" not in card


def test_a_renamed_author_shows_in_every_card(uncached):
    client = uncached.test_client()
    author = make_user(name="Dana Reporter")
    make_post(author, title="First")
    make_post(author, title="Second")
    old_slug = author.slug
    assert all("Dana Reporter" in card for card in _cards(client.get("/").text))

    update_profile(db.session.get(User, author.id), "Dana Writer", "")
    db.session.commit()
    cards = _cards(client.get("/").text)
    assert len(cards) == 2
    assert all("<bdi>Dana Writer</bdi>" in card and "Dana Reporter" not in card for card in cards)

    # No screen changes an author's address; the archive follows it wherever it is stored.
    db.session.get(User, author.id).slug = "dana-w"
    db.session.commit()
    cards = _cards(client.get("/").text)
    assert all('href="/author/dana-w/"' in card for card in cards)
    assert all(f"/author/{old_slug}/" not in card for card in cards)


def test_a_new_or_changed_featured_image_shows_in_the_card(uncached):
    client = uncached.test_client()
    author = make_user()
    post = make_post(author, title="Pictured")
    harbour, office = _photo(author, "harbour"), _photo(author, "office", size=(900, 600))
    assert "<img" not in _card(client.get("/").text, "Pictured")

    _resave(post, featured_media_id=harbour.id)
    card = _card(client.get("/").text, "Pictured")
    assert "post-card--with-image" in card and "/harbour-" in _src(card)

    _resave(post, featured_media_id=office.id)
    card = _card(client.get("/").text, "Pictured")
    assert "/office-" in _src(card) and "harbour" not in card
    assert 'width="900" height="600"' in card

    _resave(post, featured_media_id=None)
    card = _card(client.get("/").text, "Pictured")
    assert "<img" not in card and "post-card--with-image" not in card


def test_a_new_site_timezone_moves_card_and_headline_dates(uncached):
    client = uncached.test_client()
    make_post(
        make_user(), title="Late news", published_at=datetime(2024, 3, 31, 22, 30, tzinfo=UTC)
    )
    html = client.get("/").text
    card = _card(html, "Late news")
    assert "March 31, 2024" in card and '/2024/03/31/late-news/"' in card
    assert '/2024/03/31/late-news/"' in _headlines(html)

    save_settings({"site_timezone": "Asia/Tehran"})  # UTC+3:30: already April 1st there
    db.session.commit()
    html = client.get("/").text
    card = _card(html, "Late news")
    assert "April 1, 2024" in card and '/2024/04/01/late-news/"' in card and '"/2024/4/"' in card
    assert "March 31" not in card
    assert '/2024/04/01/late-news/"' in _headlines(html)


def test_cards_are_rendered_once_and_an_edit_renders_only_its_own(uncached, renders):
    client = uncached.test_client()
    author = make_user()
    section = make_category("Reports")
    posts = [make_post(author, title=f"Story {n}", category_ids=[section.id]) for n in range(4)]
    first = client.get("/").text
    assert renders.count(templating.CARD_TEMPLATE) == 4
    assert renders.count(templating.HEADLINE_TEMPLATE) == 4

    renders.clear()
    assert client.get("/").text == first
    assert renders == []
    # The category archive shows the same cards (same heading level): nothing to render.
    assert len(_cards(client.get("/category/reports/").text)) == 4
    assert renders == []

    _resave(posts[1], title="Story one, updated")
    html = client.get("/").text
    assert "Story one, updated" in _card(html, "Story one, updated")
    assert renders == [templating.HEADLINE_TEMPLATE, templating.CARD_TEMPLATE]


def test_the_memo_can_be_switched_off(uncached, renders):
    uncached.config["CARD_MEMO"] = False
    client = uncached.test_client()
    make_post(make_user(), title="Only story")
    for _ in range(2):
        client.get("/")
    assert renders.count(templating.CARD_TEMPLATE) == 2
    assert MEMO_KEY not in uncached.extensions


def test_the_memo_stays_within_its_bound(uncached, monkeypatch):
    monkeypatch.setattr(fragments, "MAX_VALUE_ENTRIES", 3)
    client = uncached.test_client()
    author = make_user()
    for n in range(4):
        make_post(author, title=f"Story {n}")
    html = client.get("/").text
    assert len(_cards(html)) == 4
    assert len(uncached.extensions[MEMO_KEY]) == 3
    assert client.get("/").text == html


def _mixed_site(author: User) -> tuple[str, ...]:
    """Posts with and without a picture, a password, a byline, in a right-to-left language."""
    photo = _photo(author, "harbour")
    section = make_category("Reports")
    posts = [
        {"title": "Plain & <simple>"},
        {"title": "With picture", "featured_media_id": photo.id},
        {"title": "Locked", "password": "sesame", "excerpt": "Hidden words"},
        {"title": "By the desk", "byline_name": "Wire desk"},
        {"title": "گزارش بندر", "language": "fa", "featured_media_id": photo.id},
        {"title": "Grüße", "language": "de", "sticky": True},
    ]
    for hours, details in enumerate(posts):
        # From 22:30 UTC on March 31st: April in Tehran, the site's timezone below.
        moment = datetime(2024, 3, 31, 22, 30, tzinfo=UTC) + timedelta(hours=hours)
        make_post(author, published_at=moment, category_ids=[section.id], **details)
    save_settings({"featured_categories": [section.id], "site_timezone": "Asia/Tehran"})
    db.session.commit()
    return ("/", "/category/reports/", f"/author/{author.slug}/", "/2024/4/")


def test_pages_are_byte_identical_with_and_without_the_memo(uncached):
    client = uncached.test_client()
    urls = _mixed_site(make_user(name="سارا احمدی"))
    roots = ("http://localhost/", "http://localhost/blog/")

    def pages() -> dict[tuple[str, str], str]:
        return {(root, url): client.get(url, base_url=root).text for root in roots for url in urls}

    cold, warm = pages(), pages()
    assert len(uncached.extensions[MEMO_KEY]) > 0
    uncached.config["CARD_MEMO"] = False
    plain = pages()
    assert cold == plain and warm == plain
    for (root, url), html in plain.items():
        assert len(_cards(html)) >= 5, (root, url)
        if "blog" in root:
            assert all('href="/blog/' in card for card in _cards(html))
    listed = plain[(roots[0], "/category/reports/")]
    assert 'lang="fa" dir="rtl"' in _card(listed, "گزارش بندر")
    assert "This post is password protected." in _card(listed, "Locked")
    assert "<img" in _card(listed, "With picture") and "<img" not in _card(listed, "Locked")


def test_an_edited_card_template_shows_at_once_while_templates_reload(app_factory, tmp_path):
    """In debug, templates reload when edited: kept cards would hide the edit."""
    folder = tmp_path / "templates" / "_partials"
    folder.mkdir(parents=True)
    card = folder / "_post_card.html"
    card.write_text("<article>first {{ post.title }}</article>", encoding="utf-8")
    app = app_factory(PAGE_CACHE=False, TEMPLATES_AUTO_RELOAD=True)
    app.jinja_loader.searchpath.insert(0, str(tmp_path / "templates"))
    with app.app_context():
        client = app.test_client()
        make_post(make_user(), title="Story")
        assert "<article>first Story</article>" in client.get("/").text
        card.write_text("<article>second {{ post.title }}</article>", encoding="utf-8")
        assert "<article>second Story</article>" in client.get("/").text
