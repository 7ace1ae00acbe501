"""The home page of a publication: headline strip, pinned posts, recent activities and
one block per featured category."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.content.settings import save_settings
from app.extensions import db
from tests.conftest import card_titles, move_clock
from tests.factories import make_category, make_post, make_user

START = datetime(2024, 1, 1, tzinfo=UTC)


def _headlines(html: str) -> list[str]:
    strip = html[html.index('id="headlines-heading"') : html.index("</section>")]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', strip)


def test_headline_strip_lists_the_latest_twenty_titles(client):
    author = make_user()
    for n in range(25):
        make_post(author, title=f"Headline {n:02d}", published_at=START + timedelta(hours=n))
    html = client.get("/").text
    assert _headlines(html) == [f"Headline {n:02d}" for n in range(24, 4, -1)]
    assert 'id="headlines-heading"' not in client.get("/?page=2").text


def test_featured_categories_show_their_newest_post_in_the_chosen_order(client):
    author = make_user()
    campaigns = make_category("Campaigns")
    petitions = make_category("Petitions", parent=campaigns)
    reports = make_category("Reports")
    empty = make_category("Empty section")
    make_post(author, title="Old campaign", category_ids=[campaigns.id], published_at=START)
    make_post(
        author,
        title="New petition",
        category_ids=[petitions.id],
        published_at=START + timedelta(days=2),
    )
    make_post(
        author, title="A report", category_ids=[reports.id], published_at=START + timedelta(days=1)
    )
    make_post(
        author,
        title="Older petition",
        category_ids=[petitions.id],
        published_at=START + timedelta(hours=12),
    )
    make_post(author, title="Future report", category_ids=[reports.id], status="draft")
    save_settings({"featured_categories": [reports.id, empty.id, campaigns.id]})
    db.session.commit()
    html = client.get("/").text
    featured = html[html.index('aria-label="Featured sections"') :]
    blocks = re.findall(r'class="section-label"><a href="/category/([^/]+)/">', featured)
    assert blocks == ["reports", "campaigns"]  # the empty category shows no block
    # Sub-categories count, but "New petition" is already the top story, so the Campaigns block
    # shows the next newest post instead of repeating it.
    assert card_titles(html.split('aria-label="Featured sections"')[0])[0] == "New petition"
    assert card_titles(featured) == ["A report", "Older petition"]


def test_scheduled_posts_reach_every_home_section_when_their_time_comes(app_factory, monkeypatch):
    """The home page's statements are built once and ask for the time when they run."""
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        client = app.test_client()
        author = make_user()
        make_post(author, title="Already out", published_at=START)
        arrival = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        make_post(author, title="Embargoed report", published_at=arrival)
        make_post(author, title="Embargoed pin", published_at=arrival, sticky=True)
        html = client.get("/").text
        assert _headlines(html) == ["Already out"]
        assert card_titles(html) == ["Already out"]

        later = arrival + timedelta(minutes=1)
        move_clock(monkeypatch, later)
        html = client.get("/").text
        assert set(_headlines(html)) == {"Already out", "Embargoed report", "Embargoed pin"}
        pinned = html[html.index('id="pinned-heading"') : html.index('id="recent-heading"')]
        assert card_titles(pinned) == ["Embargoed pin"]
        assert card_titles(html[html.index('id="recent-heading"') :])[:2] == [
            "Embargoed report",
            "Already out",
        ]


def test_a_pinned_post_is_the_top_story_and_is_not_repeated_below(client):
    author = make_user()
    reports = make_category("Reports")
    make_post(author, title="Pinned report", category_ids=[reports.id], sticky=True,
              published_at=START)  # fmt: skip
    make_post(author, title="Earlier report", category_ids=[reports.id],
              published_at=START - timedelta(days=1))  # fmt: skip
    for n in range(12):
        make_post(author, title=f"News {n:02d}", published_at=START + timedelta(hours=n + 1))
    save_settings({"featured_categories": [reports.id], "posts_per_page": 10})
    db.session.commit()
    html = client.get("/").text
    pinned = html[html.index('id="pinned-heading"') : html.index('id="recent-heading"')]
    recent = html[html.index('id="recent-heading"') : html.index('aria-label="Featured sections"')]
    featured = html[html.index('aria-label="Featured sections"') :]
    assert card_titles(pinned) == ["Pinned report"]
    # Newest first, pinned posts aside; the 11th and later are on page 2.
    assert card_titles(recent) == [f"News {n:02d}" for n in range(11, 1, -1)]
    assert card_titles(featured) == ["Earlier report"]  # the pinned report is the top story
    page_two = client.get("/?page=2").text
    assert card_titles(page_two) == ["News 01", "News 00", "Earlier report"]
    assert 'id="pinned-heading"' not in page_two


def test_a_language_with_no_posts_still_shows_the_featured_blocks(client):
    author = make_user()
    reports = make_category("Reports")
    make_post(author, title="English report", category_ids=[reports.id], language="en")
    save_settings({"featured_categories": [reports.id]})
    db.session.commit()
    html = client.get("/?lang=fr").text
    assert card_titles(html[html.index('aria-label="Featured sections"') :]) == ["English report"]
