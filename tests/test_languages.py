"""Posts in several languages: lang/dir markup, right-to-left Persian, translation links."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.models import Post
from tests.conftest import login, submit_form
from tests.factories import make_post, make_user

START = datetime(2024, 2, 1, 9, tzinfo=UTC)


def test_persian_post_renders_right_to_left(client):
    post = make_post(
        make_user(),
        title="سازمان مجاهدین خلق",
        body="متن کامل گزارش.",
        language="fa",
        published_at=START,
    )
    page = client.get(f"/2024/02/01/{post.slug}/").text
    # The article is Persian; the chrome around it keeps the (English) site language.
    assert '<html lang="en" dir="ltr">' in page
    assert '<article class="post" lang="fa" dir="rtl">' in page
    home = client.get("/").text
    assert re.search(r'<article class="post-card" lang="fa" dir="rtl">', home)
    assert '<li lang="fa" dir="rtl">' in home  # the headline strip entry


class _BylineDates(HTMLParser):
    """(lang, text) of each byline date: the ``<time>`` inside ``<a class="byline__date">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dates: list[tuple[str, str]] = []
        self._in_link = False
        self._lang: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("class") == "byline__date":
            self._in_link = True
        elif tag == "time" and self._in_link:
            self._lang = a.get("lang") or ""
            self.dates.append((self._lang, ""))

    def handle_data(self, data):
        if self._lang is not None:
            lang, text = self.dates[-1]
            self.dates[-1] = (lang, text + data)

    def handle_endtag(self, tag):
        if tag == "time":
            self._lang = None
        elif tag == "a":
            self._in_link = False


def byline_dates(html: str) -> list[tuple[str, str]]:
    reader = _BylineDates()
    reader.feed(html)
    return reader.dates


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "September 2, 2026"), ("de", "2. September 2026"), ("fr", "2 septembre 2026")],
)
def test_dates_are_written_in_the_posts_language(client, language, written):
    post = make_post(
        make_user(), language=language, published_at=datetime(2026, 9, 2, 10, tzinfo=UTC)
    )
    assert byline_dates(client.get(f"/2026/09/02/{post.slug}/").text) == [(language, written)]
    # The same on the home page's card for the post.
    assert byline_dates(client.get("/").text) == [(language, written)]


def test_each_list_entry_carries_its_own_language(client):
    author = make_user()
    make_post(author, title="Ein Bericht", language="de", published_at=START)
    make_post(author, title="A report", language="en", published_at=START)
    home = client.get("/").text
    assert '<html lang="en" dir="ltr">' in home
    assert '<article class="post-card" lang="de" dir="ltr">' in home
    assert '<article class="post-card" lang="en" dir="ltr">' in home


def test_translations_link_to_each_other_with_hreflang(client):
    author = make_user()
    english = make_post(author, title="The petition", language="en", published_at=START)
    german = make_post(
        author,
        title="Die Petition",
        language="de",
        published_at=START,
        translation_of=english.id,
    )
    db.session.commit()
    english_page = client.get(f"/2024/02/01/{english.slug}/").text
    assert "Also in:" in english_page
    assert (
        f'<a href="/2024/02/01/{german.slug}/" hreflang="de" lang="de" dir="ltr">Deutsch</a>'
        in english_page
    )
    assert (
        f'<link rel="alternate" hreflang="de" href="http://localhost/2024/02/01/{german.slug}/">'
        in english_page
    )
    assert (
        f'<link rel="alternate" hreflang="en" href="http://localhost/2024/02/01/{english.slug}/">'
        in english_page
    )
    german_page = client.get(f"/2024/02/01/{german.slug}/").text
    assert '<article class="post" lang="de" dir="ltr">' in german_page
    assert 'hreflang="en" lang="en" dir="ltr">English</a>' in german_page


def test_unpublished_translations_are_not_offered(client):
    author = make_user()
    english = make_post(author, title="Statement", published_at=START)
    make_post(author, title="Erklärung", language="de", status="draft", translation_of=english.id)
    page = client.get(f"/2024/02/01/{english.slug}/").text
    assert "Also in:" not in page
    assert "hreflang" not in page


def test_staff_link_a_translation_and_set_its_language_in_the_post_form(client):
    author = make_user(email="author@example.org")
    english = make_post(author, title="Open letter", published_at=START)
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Lettre ouverte",
            "body": "Texte.",
            "status": "published",
            "language": "fr",
            "translation_of": english.id,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    french = db.session.scalar(db.select(Post).where(Post.title == "Lettre ouverte"))
    assert french.language == "fr"
    assert french.translation_group == db.session.get(Post, english.id).translation_group
    english_page = client.get(f"/2024/02/01/{english.slug}/").text
    assert ">Français</a>" in english_page
    edit_form = client.get(f"/admin/posts/{french.id}/edit").text
    assert f'<option selected value="{english.id}">' in edit_form or re.search(
        rf'<option[^>]*value="{english.id}"[^>]*selected', edit_form
    )
