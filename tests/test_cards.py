"""List pages read their posts as plain card rows (app.content.cards), not ORM objects: the
cards show the same title, byline, date and picture, no ORM object is built for them, and a
template that reads something a card does not carry fails instead of showing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.content.cards import Card, CardFieldMissing
from app.content.listing import paginate
from app.content.settings import save_settings
from app.content.visibility import public_posts_query
from app.extensions import db
from app.media.library import add_media
from app.models import MediaItem, Post, User
from tests import media_samples as samples
from tests.factories import make_category, make_post, make_user


@pytest.fixture
def site(app_factory):
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        writer = make_user(name="Shirin Ebadi")
        section = make_category("Reports")
        photo = add_media(samples.photo((800, 600)), "march.jpg", writer, alt="The march")
        start = datetime(2024, 3, 1, 9, tzinfo=UTC)
        for n in range(14):
            make_post(
                writer,
                title=f"Report {n}",
                published_at=start + timedelta(days=n),
                category_ids=[section.id],
                tag_names=["labour"],
                featured_media_id=photo.id if n == 13 else None,
                byline_name="Guest Writer" if n == 12 else "",
            )
        save_settings({"featured_categories": [section.id]})
        db.session.commit()
        yield app


def _loaded(app, url: str) -> tuple[str, list[str]]:
    """The page at ``url`` and the ORM objects built while serving it (their classes)."""
    built: list[str] = []

    def note(target, context) -> None:
        built.append(type(target).__name__)

    for model in (Post, User, MediaItem):
        event.listen(model, "load", note)
    try:
        response = app.test_client().get(url)
    finally:
        for model in (Post, User, MediaItem):
            event.remove(model, "load", note)
    assert response.status_code == 200, url
    return response.text, built


@pytest.mark.parametrize(
    "url", ["/", "/?page=2", "/category/reports/", "/tag/labour/", "/search?q=report"]
)
def test_list_pages_show_cards_without_building_orm_objects(site, url):
    _loaded(site, url)  # the site chrome, kept per site state, is read once
    html, built = _loaded(site, url)
    assert built == [], f"{url} built {built}"
    title = "<mark>Report</mark> " if "search" in url else ">Report "  # search marks the word
    assert html.count(title) >= 4  # the cards, by their titles


def test_cards_show_the_byline_date_and_picture(site):
    html, _ = _loaded(site, "/category/reports/")
    newest = html[html.index("Report 13") - 2000 : html.index("Report 13")]
    assert "<picture>" in newest and 'width="800"' in newest
    assert 'href="/author/shirin-ebadi/"' in html and "Shirin Ebadi" in html
    guest = html[html.index(">Report 12<") :]
    assert "Guest Writer" in guest.split("</article>", 1)[0]
    assert 'datetime="2024-03-14' in html  # the newest card's date
    assert "/2024/03/14/report-13/" in html


def test_a_template_reading_what_a_card_does_not_carry_fails_loudly(site):
    with site.test_request_context("/"):
        cards = paginate(public_posts_query(), 1, 5, cards=True).items
        assert [card.title for card in cards] == [f"Report {n}" for n in range(13, 8, -1)]
        assert isinstance(cards[0], Card) and cards[0].author.display_name == "Shirin Ebadi"
        assert cards[0].featured_media.is_image and cards[1].featured_media is None
        template = site.jinja_env.from_string("{{ post.title }}: {{ post.body_html }}")
        with pytest.raises(CardFieldMissing, match="body_html"):
            template.render(post=cards[0])
        with pytest.raises(CardFieldMissing, match="caption"):
            site.jinja_env.from_string("{{ media.caption }}").render(media=cards[0].featured_media)
        # Protocols probed with hasattr stay plain absences (escaping a card is not an error).
        assert not hasattr(cards[0], "__html__")


def test_a_post_page_reads_its_post_as_a_plain_row(site):
    with site.app_context():
        writer = db.session.scalar(db.select(User).where(User.display_name == "Shirin Ebadi"))
        writer.bio = "Lawyer and writer."
        photo = db.session.scalar(db.select(MediaItem))
        photo.caption, photo.credit = "The march in March", "Photo: Staff"
        db.session.commit()
    for url in ["/2024/03/14/report-13/", "/2024/03/13/report-12/"]:
        _loaded(site, url)  # the chrome, kept per site state, read once
        html, built = _loaded(site, url)
        assert built == [], f"{url} built {built}"
        assert "<h1" in html and ("Report 13" in html or "Report 12" in html)
    html, _ = _loaded(site, "/2024/03/14/report-13/")
    assert "The march in March" in html and "Photo: Staff" in html  # the picture's caption
    assert "Lawyer and writer." in html and 'href="/author/shirin-ebadi/"' in html
    assert "/2024/03/13/report-12/" in html  # the previous post
    guest, _ = _loaded(site, "/2024/03/13/report-12/")
    assert "Guest Writer" in guest
