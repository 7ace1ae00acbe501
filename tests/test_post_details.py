"""A post page's details: categories and tags, bylines of outside authors, sources of reposted
articles, previous/next links, and pinned posts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from app.content.text import plain_text
from app.extensions import db
from app.models import Post
from tests.conftest import card_titles, login, submit_form
from tests.factories import make_category, make_post, make_user

START = datetime(2024, 5, 10, 8, tzinfo=UTC)


def test_post_page_links_its_categories_and_tags(client):
    reports = make_category("Reports")
    post = make_post(
        make_user(), title="Findings", category_ids=[reports.id], tag_names=["Geneva", "UN"],
        published_at=START,
    )  # fmt: skip
    html = client.get(f"/2024/05/10/{post.slug}/").text
    # Names are isolated (<bdi>) so a Latin name keeps its punctuation in a Persian page.
    assert '<a href="/category/reports/"><bdi>Reports</bdi></a>' in html
    assert '<a href="/tag/geneva/" rel="tag"><bdi>Geneva</bdi></a>' in html
    assert '<a href="/tag/un/" rel="tag"><bdi>UN</bdi></a>' in html


def test_categories_and_tags_are_in_name_order_beside_the_neighbour_links(client):
    author = make_user()
    appeals, reports = make_category("Appeals"), make_category("Reports")
    make_post(author, title="Aardvark earlier", published_at=START - timedelta(days=1))
    post = make_post(
        author, title="Findings", category_ids=[reports.id, appeals.id],
        tag_names=["Zeta", "Alpha", "Mu"], published_at=START,
    )  # fmt: skip
    make_post(author, title="Zebra later", published_at=START + timedelta(days=1))
    make_post(author, title="Not yet", published_at=datetime.now(UTC) + timedelta(days=3))
    html = client.get(f"/2024/05/10/{post.slug}/").text
    assert re.findall(r'href="/category/([a-z]+)/"><bdi>', html) == ["appeals", "reports"]
    assert re.findall(r'href="/tag/([a-z]+)/" rel="tag"', html) == ["alpha", "mu", "zeta"]
    assert 'rel="prev" href="/2024/05/09/aardvark-earlier/"' in html
    assert 'rel="next" href="/2024/05/11/zebra-later/"' in html


def test_reposted_article_names_outside_author_and_source_with_canonical(client):
    staff = make_user(name="Claire Dubois")
    post = make_post(
        staff,
        title="The view from Brussels",
        byline_name="Eldar Mamedov",
        source_name="EUobserver",
        source_url="https://euobserver.example/opinion/123",
        source_published_on=date(2020, 1, 6),
        published_at=START,
    )
    html = client.get(f"/2024/05/10/{post.slug}/").text
    text = plain_text(html)
    assert "By Eldar Mamedov" in text and "Claire Dubois" not in text
    assert "Originally published in EUobserver on January 6, 2020." in text
    assert (
        '<a href="https://euobserver.example/opinion/123" rel="noopener noreferrer">'
        "<bdi>EUobserver</bdi></a>" in html
    )
    assert '<link rel="canonical" href="https://euobserver.example/opinion/123">' in html
    home = plain_text(client.get("/").text)
    assert "By Eldar Mamedov" in home
    assert db.session.get(Post, post.id).author.display_name == "Claire Dubois"


def test_previous_and_next_links_follow_publication_order(client):
    author = make_user()
    first = make_post(author, title="First", published_at=START)
    second = make_post(author, title="Second", published_at=START + timedelta(days=1))
    third = make_post(author, title="Third", published_at=START + timedelta(days=2))
    make_post(author, title="Draft", status="draft")
    html = client.get(f"/2024/05/11/{second.slug}/").text
    assert f'rel="prev" href="/2024/05/10/{first.slug}/"' in html
    assert f'rel="next" href="/2024/05/12/{third.slug}/"' in html
    newest = client.get(f"/2024/05/12/{third.slug}/").text
    assert 'rel="next"' not in newest and f'href="/2024/05/11/{second.slug}/"' in newest


def test_pinned_posts_lead_the_home_page(client):
    author = make_user()
    make_post(author, title="Old but pinned", sticky=True, published_at=START - timedelta(days=400))
    make_post(author, title="Fresh news", published_at=START)
    html = client.get("/").text
    assert card_titles(html) == ["Old but pinned", "Fresh news"]
    assert 'id="pinned-heading"' in html
    assert html.index("Old but pinned</a></h3>") < html.index("Recent activities")


def test_staff_save_categories_tags_source_and_pin_from_the_form(client):
    reports = make_category("Reports")
    make_user(email="author@example.org")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Reposted analysis",
            "body": "Analysis text.",
            "status": "published",
            "categories": [reports.id],
            "tags": "Geneva, human rights,  Geneva ",
            "sticky": "y",
            "byline_name": "Eldar Mamedov",
            "source_name": "EUobserver",
            "source_url": "https://euobserver.example/a",
            "source_published_on": "2020-01-06",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.scalar(db.select(Post).where(Post.title == "Reposted analysis"))
    assert [c.name for c in post.categories] == ["Reports"]
    assert sorted(t.slug for t in post.tags) == ["geneva", "human-rights"]
    assert post.sticky and post.byline_name == "Eldar Mamedov"
    assert post.source_published_on == date(2020, 1, 6)
    edit = client.get(f"/admin/posts/{post.id}/edit").text
    assert 'value="Geneva, human rights"' in edit or 'value="human rights, Geneva"' in edit


def test_source_url_must_be_a_web_address(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "Bad source", "body": "Text kept.", "source_url": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert "Text kept." in response.text
    assert db.session.scalar(db.select(Post).where(Post.title == "Bad source")) is None
