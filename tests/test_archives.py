"""Category, tag, author and date archives: what they list, in which order, on how many pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import PostStatus
from tests.conftest import card_titles, count_queries
from tests.factories import SETUP, make_category, make_post, make_user

DAY = timedelta(days=1)
START = datetime(2023, 3, 1, 12, tzinfo=UTC)


def test_category_archive_includes_sub_categories_newest_first(client):
    author = make_user()
    reports = make_category("Reports", description="Our research and annual reports.")
    annual = make_category("Annual reports", parent=reports)
    letters = make_category("Open letters")
    make_post(author, title="Field report", category_ids=[reports.id], published_at=START)
    make_post(
        author, title="Annual report 2023", category_ids=[annual.id], published_at=START + DAY
    )
    make_post(author, title="Letter to ministers", category_ids=[letters.id], published_at=START)
    make_post(
        author, title="Draft report", category_ids=[reports.id], status=PostStatus.DRAFT.value
    )

    html = client.get("/category/reports/").text
    assert card_titles(html) == ["Annual report 2023", "Field report"]
    assert '<h1 class="archive-header__title">Reports</h1>' in html
    assert "Our research and annual reports." in html
    assert card_titles(client.get("/category/annual-reports/").text) == ["Annual report 2023"]
    assert client.get("/category/no-such-category/").status_code == 404


def test_posts_without_a_category_are_filed_under_uncategorized(client):
    make_post(make_user(), title="Loose post")
    html = client.get("/category/uncategorized/").text
    assert card_titles(html) == ["Loose post"]
    assert "Uncategorized" in html


def test_tag_archive_lists_tagged_posts_only(client):
    author = make_user()
    make_post(author, title="Tagged one", tag_names=["Human rights", "Geneva"], published_at=START)
    make_post(author, title="Tagged two", tag_names=["human rights"], published_at=START + DAY)
    make_post(author, title="Untagged")
    html = client.get("/tag/human-rights/").text
    assert card_titles(html) == ["Tagged two", "Tagged one"]
    assert '<p class="archive-header__kind">Tag</p>' in html
    assert card_titles(client.get("/tag/geneva/").text) == ["Tagged one"]


def test_author_archive_shows_bio_and_only_their_posts(client):
    maryam = make_user(name="Maryam Rahimi")
    maryam.bio = "Maryam coordinates the families' network."
    db.session.commit()
    make_post(maryam, title="Her report", published_at=START)
    make_post(make_user(name="Jonas Weber"), title="His letter", published_at=START)
    html = client.get("/author/maryam-rahimi/").text
    assert card_titles(html) == ["Her report"]
    assert "Maryam coordinates the families&#39; network." in html
    post_page = client.get("/2023/03/01/her-report/").text
    assert 'href="/author/maryam-rahimi/"' in post_page


def test_an_author_page_never_reads_the_account_secrets(app, client):
    """A public page loads the author's public name, address and bio, not the account's
    e-mail, password hash or second-factor secret (for the archive and its feeds)."""
    author = make_user(name="Maryam Rahimi", email="maryam@example.org")
    make_post(author, title="Her report", published_at=START)
    for url in ("/author/maryam-rahimi/", "/author/maryam-rahimi/feed/"):
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200 and "Her report" in response.text
        read = " ".join(s.split("FROM", 1)[0] for s in statements)  # what each selects
        # The account's table under any alias (a join names it users_1).
        assert re.search(r"\busers(_\d+)?\.display_name", read), url
        for secret in ("email", "password_hash", "totp_secret"):
            assert not re.search(rf"\busers(_\d+)?\.{secret}\b", read), (url, secret)


def test_year_and_month_archives_follow_the_site_calendar(app_factory):
    app = app_factory(SITE_TIMEZONE="Europe/Berlin")
    client = app.test_client()
    with app.app_context():
        author = make_user()
        # 23:30 UTC on 31 December 2022 is already 2023 in Berlin.
        make_post(
            author, title="New Year's Eve", published_at=datetime(2022, 12, 31, 23, 30, tzinfo=UTC)
        )
        make_post(author, title="March news", published_at=datetime(2023, 3, 15, tzinfo=UTC))
        make_post(author, title="Old news", published_at=datetime(2022, 6, 1, tzinfo=UTC))
    assert card_titles(client.get("/2023/").text) == ["March news", "New Year's Eve"]
    assert card_titles(client.get("/2022/").text) == ["Old news"]
    january = client.get("/2023/01/").text
    assert card_titles(january) == ["New Year's Eve"]
    assert '<h1 class="archive-header__title">January 2023</h1>' in january
    assert card_titles(client.get("/2023/02/").text) == []
    assert client.get("/2023/13/").status_code == 404


def test_archives_paginate_like_the_home_page(app_factory):
    app = app_factory(POSTS_PER_PAGE=3)
    client = app.test_client()
    with app.app_context():
        author = make_user()
        news = make_category("News")
        for n in range(7):
            make_post(
                author, title=f"News {n}", category_ids=[news.id], published_at=START + n * DAY
            )
    first = client.get("/category/news/").text
    assert card_titles(first) == ["News 6", "News 5", "News 4"]
    assert 'href="/category/news/?page=2"' in first
    third = client.get("/category/news/?page=3").text
    assert card_titles(third) == ["News 0"]
    assert 'href="/category/news/?page=2"' in third
    assert client.get("/category/news/?page=4").status_code == 404


def test_language_filter_narrows_archives_and_keeps_it_across_pages(app_factory):
    app = app_factory(POSTS_PER_PAGE=2)
    client = app.test_client()
    with app.app_context():
        author = make_user()
        for n in range(3):
            make_post(author, title=f"Deutsch {n}", language="de", published_at=START + n * DAY)
            make_post(author, title=f"English {n}", language="en", published_at=START + n * DAY)
    html = client.get("/2023/?lang=de").text
    assert card_titles(html) == ["Deutsch 2", "Deutsch 1"]
    assert "Showing posts in Deutsch" in html
    assert 'href="/2023/?page=2&amp;lang=de"' in html or 'href="/2023/?lang=de&amp;page=2"' in html
    assert card_titles(client.get("/2023/?lang=de&page=2").text) == ["Deutsch 0"]
    assert card_titles(client.get("/?lang=en").text) == ["English 2", "English 1"]


def test_tags_added_to_several_posts_in_one_transaction_are_created_once(app):
    from app.content.publishing import PostDraft, save_post
    from app.models import Tag

    author = make_user()
    for n in range(3):
        save_post(
            None,
            PostDraft(
                title=f"Batch {n}", body_source="x", status="published", tag_names=["Common"]
            ),
            by=SETUP,
            author=author,
        )
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Tag.id))) == 1


def test_archive_list_counts_posts_in_the_site_months_at_either_end_of_the_clock(app_factory):
    """Near a month's first and last day a post may belong to the next or previous month in
    the site's timezone (UTC+14, UTC-12); the footer's counts follow the site calendar."""
    moments = [
        datetime(2023, 1, 31, 12, tzinfo=UTC),
        datetime(2023, 2, 1, 6, tzinfo=UTC),
        datetime(2023, 2, 15, 12, tzinfo=UTC),
        datetime(2023, 2, 28, 11, tzinfo=UTC),
        datetime(2023, 3, 27, 23, tzinfo=UTC),
        datetime(2023, 3, 31, 20, tzinfo=UTC),
    ]
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        app = app_factory(SITE_TIMEZONE=zone)
        with app.app_context():
            author = make_user()
            for moment in moments:
                make_post(author, published_at=moment)
            footer = app.test_client().get("/").text.split('<footer class="site-footer">')[1]
        expected: dict[str, int] = {}
        for moment in moments:
            name = f"{moment.astimezone(ZoneInfo(zone)):%B %Y}"
            expected[name] = expected.get(name, 0) + 1
        in_utc: dict[str, int] = {}
        for moment in moments:
            in_utc[f"{moment:%B %Y}"] = in_utc.get(f"{moment:%B %Y}", 0) + 1
        assert expected != in_utc, expected  # the moments do cross months in this zone
        for name, count in expected.items():
            assert f'{name}</a> <span class="archive-nav__count">({count})</span>' in footer, (
                zone,
                name,
            )
