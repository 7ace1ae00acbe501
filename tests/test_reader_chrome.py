"""What readers see around the article: right-to-left markup, archive navigation, old WordPress
addresses, the favicon, linkified bodies and a valid default language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.content.settings import get_setting, save_settings
from app.extensions import db
from tests.conftest import login, post_form
from tests.factories import make_post, make_user

START = datetime(2024, 2, 1, 9, tzinfo=UTC)


def test_persian_article_is_rtl_inside_english_chrome_with_isolated_names(client):
    author = make_user(name="Claire Dubois")
    author.bio = "Reporter (Paris)."
    db.session.commit()
    post = make_post(
        author,
        title="گزارش سالانه",
        body="متن کامل گزارش.",
        language="fa",
        tag_names=["UN Geneva"],
        published_at=START,
    )
    html = client.get(f"/2024/02/01/{post.slug}/").text
    assert '<html lang="en" dir="ltr">' in html
    assert '<article class="post" lang="fa" dir="rtl">' in html
    # "By", "Tags" and the author box are chrome: site language and direction, not Persian.
    assert re.search(
        r'<p class="byline" lang="en" dir="ltr">\s*<span class="byline__author">By ', html
    )
    assert '<footer class="post__footer" lang="en" dir="ltr">' in html
    # English runs inside the Persian article are isolated so their punctuation stays put.
    assert "<bdi>Claire Dubois</bdi>" in html
    assert '<bdi class="author-bio__text">Reporter (Paris).</bdi>' in html
    assert '<a href="/tag/un-geneva/" rel="tag"><bdi>UN Geneva</bdi></a>' in html
    # On a list, the card is Persian but "Continue reading" stays in the site's language.
    home = client.get("/").text
    assert '<article class="post-card" lang="fa" dir="rtl">' in home
    assert '<p class="post-card__more" lang="en" dir="ltr">' in home


def test_a_persian_site_mirrors_its_chrome(client):
    save_settings({"site_language": "fa"})
    db.session.commit()
    make_post(make_user(), title="An English post", language="en", published_at=START)
    home = client.get("/").text
    assert '<html lang="fa" dir="rtl">' in home
    assert '<article class="post-card" lang="en" dir="ltr">' in home
    assert '<p class="post-card__more" lang="fa" dir="rtl">' in home


def test_stylesheet_uses_logical_properties_so_rtl_mirrors(client):
    with client.get("/static/site.css") as response:
        css = response.text
    assert not re.search(r"(border|margin|padding)-(left|right)\s*:", css)
    assert "border-inline-start: 4px solid var(--accent)" in css  # quote bar
    assert "overflow-wrap: anywhere" in css


def test_archive_navigation_lists_months_with_counts_by_year(client):
    author = make_user()
    for day in (1, 5, 9):
        make_post(author, published_at=datetime(2023, 3, day, 12, tzinfo=UTC))
    make_post(author, published_at=datetime(2024, 1, 15, 12, tzinfo=UTC))
    make_post(author, status="draft")
    make_post(author, published_at=datetime.now(UTC) + timedelta(days=3))  # scheduled: not yet
    html = client.get("/").text
    nav = html[html.index('class="archive-nav"') :]
    entries = re.findall(r'<a href="(/\d{4}/\d+/)">(\w+ \d{4})</a> <span[^>]*>\((\d+)\)', nav)
    assert entries == [("/2024/1/", "January 2024", "1"), ("/2023/3/", "March 2023", "3")]
    assert '<summary>2023 <span class="archive-nav__count">(3)</span></summary>' in nav
    assert '<a href="/2023/">All of 2023</a>' in nav
    assert client.get("/2023/3/").status_code == 200


def test_archive_months_follow_the_site_timezone(client):
    save_settings({"site_timezone": "Asia/Tehran"})
    db.session.commit()
    # 22:00 UTC on 31 January is already 1 February in Tehran (UTC+3:30).
    make_post(make_user(), published_at=datetime(2024, 1, 31, 22, tzinfo=UTC))
    nav = client.get("/").text.split('class="archive-nav"')[1]
    assert '<a href="/2024/2/">February 2024</a>' in nav
    assert "January 2024" not in nav


def test_post_date_links_to_its_month_archive(client):
    post = make_post(make_user(), published_at=datetime(2023, 11, 20, 12, tzinfo=UTC))
    html = client.get(f"/2023/11/20/{post.slug}/").text
    assert re.search(r'<a class="byline__date" href="/2023/11/"><time datetime="2023-11-20', html)


def test_wordpress_pager_addresses_redirect_to_the_query_form(client):
    author = make_user()
    for n in range(12):
        make_post(author, published_at=START + timedelta(hours=n), category_ids=[])
    response = client.get("/page/2/")
    assert response.status_code == 301
    assert response.headers["Location"] == "/?page=2"
    assert client.get("/page/1/").headers["Location"] == "/"
    assert client.get("/category/uncategorized/page/3/").headers["Location"] == (
        "/category/uncategorized/?page=3"
    )
    assert client.get("/tag/climate/page/2/").headers["Location"] == "/tag/climate/?page=2"
    assert client.get(f"/author/{author.slug}/page/2/").headers["Location"] == (
        f"/author/{author.slug}/?page=2"
    )
    assert client.get("/2024/2/page/2/").headers["Location"] == "/2024/2/?page=2"
    assert client.get(client.get("/page/2/").headers["Location"]).status_code == 200


def test_favicon_is_a_real_icon(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:6] == b"\x00\x00\x01\x00\x01\x00"  # ICO header, one image
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/").text


def test_bare_addresses_in_a_body_become_links(client):
    post = make_post(
        make_user(), body="Read https://example.org/report and `http://not-a-link`.",
        published_at=START,
    )  # fmt: skip
    assert (
        '<a href="https://example.org/report" rel="noopener noreferrer">'
        "https://example.org/report</a>" in post.body_html
    )
    assert "<code>http://not-a-link</code>" in post.body_html


def test_default_language_must_be_a_known_bcp47_tag(client):
    make_user(email="admin@example.org", role="admin")
    login(client, "admin@example.org")
    base = {
        "site_title": "Site",
        "site_tagline": "",
        "site_timezone": "UTC",
        "posts_per_page": "10",
    }
    for bad in ("xx", "english", "en-", "zz-ZZ"):
        response = post_form(client, "/admin/settings", {**base, "site_language": bad})
        assert response.status_code == 200, bad
        assert "Unknown language tag" in response.text, bad
        assert get_setting("site_language") == "en"
    response = post_form(client, "/admin/settings", {**base, "site_language": "pt_br"})
    assert response.status_code == 302
    db.session.expire_all()
    assert get_setting("site_language") == "pt-BR"


def test_featured_sections_come_before_the_pager_in_reading_order(client):
    from app.models import Category

    author = make_user()
    for n in range(12):
        make_post(author, published_at=START + timedelta(hours=n))
    uncategorized = db.session.scalar(db.select(Category.id))
    save_settings({"featured_categories": [uncategorized]})
    db.session.commit()
    html = client.get("/").text
    assert html.index('class="home-featured"') < html.index('class="pagination"')


def test_persian_titles_keep_readable_percent_encoded_slugs(client):
    from urllib.parse import quote

    author = make_user(email="author@example.org")
    post = make_post(author, title="گزارش سالانه ۱۴۰۲", published_at=START, language="fa")
    latin = make_post(author, title="Über uns", published_at=START)
    assert post.slug == "گزارش-سالانه-۱۴۰۲"
    assert latin.slug == "uber-uns"  # Latin letters are still transliterated
    encoded = f"/2024/02/01/{quote(post.slug)}/"
    assert f'href="{encoded}"' in client.get("/").text
    assert client.get(encoded).status_code == 200
    # A typed Persian slug is accepted; a messy one is refused.
    login(client, "author@example.org")
    from tests.conftest import submit_form

    ok = submit_form(
        client, "/admin/posts/new", {"title": "دیگر", "slug": "نامه-سرگشاده", "body": "x"}
    )
    assert ok.status_code == 302
    bad = submit_form(client, "/admin/posts/new", {"title": "x", "slug": "Not A Slug", "body": "x"})
    assert "Use lower-case letters, digits and single hyphens." in bad.text


def test_ascii_slugs_stay_possible(client):
    save_settings({"unicode_slugs": False})
    db.session.commit()
    post = make_post(make_user(), title="گزارش سالانه", published_at=START)
    assert post.slug.isascii() and post.slug
