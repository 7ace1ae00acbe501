"""What a visitor sees: the home page, post pages, drafts, errors and the health check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app import create_app
from app.content.text import plain_text
from app.models import PostStatus, utcnow
from tests.conftest import base_config, card_titles, login
from tests.factories import make_post, make_user

# The arrows are drawn by CSS (mirrored in right-to-left pages); the links carry rel.
OLDER = 'rel="next"'
NEWER = 'rel="prev"'


def test_home_lists_published_posts_newest_first_with_byline_and_excerpt(client):
    author = make_user(name="Maryam Rahimi")
    make_post(author, title="Older letter", published_at=datetime(2020, 1, 6, 10, tzinfo=UTC))
    make_post(
        author,
        title="Newer report",
        published_at=datetime(2021, 3, 2, 10, tzinfo=UTC),
        body="The first words of the report.",
    )
    html = client.get("/").text
    assert html.index("Newer report") < html.index("Older letter")
    assert "January 6, 2020" in html and "March 2, 2021" in html
    assert "By Maryam Rahimi" in plain_text(html)
    assert "The first words of the report." in html
    assert 'href="/2021/03/02/newer-report/"' in html
    assert "Continue reading" in html


def test_drafts_and_scheduled_posts_stay_off_the_home_page(client):
    author = make_user()
    make_post(author, title="Visible post")
    make_post(author, title="Unfinished draft", status=PostStatus.DRAFT.value)
    make_post(author, title="Scheduled post", published_at=utcnow() + timedelta(days=2))
    html = client.get("/").text
    assert "Visible post" in html
    assert "Unfinished draft" not in html
    assert "Scheduled post" not in html


def test_home_paginates_ten_per_page_with_newer_and_older_links(client):
    author = make_user()
    start = datetime(2022, 1, 1, tzinfo=UTC)
    for n in range(23):
        make_post(author, title=f"Story {n:02d}", published_at=start + timedelta(days=n))
    first = client.get("/").text
    assert card_titles(first) == [f"Story {n:02d}" for n in range(22, 12, -1)]
    assert OLDER in first and NEWER not in first
    second = client.get("/?page=2").text
    assert card_titles(second) == [f"Story {n:02d}" for n in range(12, 2, -1)]
    assert OLDER in second and NEWER in second
    third = client.get("/?page=3").text
    assert card_titles(third) == ["Story 02", "Story 01", "Story 00"]
    assert OLDER not in third
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=abc").status_code == 404


def test_empty_site_says_nothing_is_published(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing has been published yet." in response.text


def test_post_page_shows_title_author_date_and_stored_body(client):
    author = make_user(name="Jonas Weber")
    post = make_post(
        author,
        title="Die Volksmujahedin sind fragwürdige Verbündete",
        body="## Hintergrund\n\nGrößenwahn und **Geheimhaltung**.",
        published_at=datetime(2019, 6, 2, 14, tzinfo=UTC),
    )
    assert post.slug == "die-volksmujahedin-sind-fragwurdige-verbundete"
    response = client.get(f"/2019/06/02/{post.slug}/")
    assert response.status_code == 200
    html = response.text
    assert '<h1 class="post__title">Die Volksmujahedin sind fragwürdige Verbündete</h1>' in html
    assert "By Jonas Weber" in plain_text(html) and "June 2, 2019" in html
    assert "<h2>Hintergrund</h2>" in html and "<strong>Geheimhaltung</strong>" in html
    assert f'rel="canonical" href="http://localhost/2019/06/02/{post.slug}/"' in html


def test_post_under_the_wrong_date_redirects_to_its_permalink(client):
    post = make_post(make_user(), title="Moved", published_at=datetime(2020, 5, 1, tzinfo=UTC))
    response = client.get(f"/2011/01/01/{post.slug}/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/2020/05/01/{post.slug}/")
    assert client.get("/2020/05/01/no-such-post/").status_code == 404


def test_dates_and_permalinks_follow_the_site_timezone(app_factory):
    app = app_factory(SITE_TIMEZONE="Asia/Tehran")
    with app.app_context():
        # 22:00 UTC on 31 Dec is already 1 January in Tehran (UTC+3:30).
        post = make_post(
            make_user(), title="New year", published_at=datetime(2023, 12, 31, 22, tzinfo=UTC)
        )
        html = app.test_client().get("/").text
        assert f"/2024/01/01/{post.slug}/" in html
        assert "January 1, 2024" in html


def test_draft_is_404_for_visitors_and_a_marked_preview_for_staff(client):
    author = make_user(email="writer@example.org")
    draft = make_post(author, title="Secret plans", status=PostStatus.DRAFT.value)
    url = f"/{draft.created_at:%Y/%m/%d}/{draft.slug}/"
    assert client.get(url).status_code == 404
    login(client, "writer@example.org")
    preview = client.get(url)
    assert preview.status_code == 200
    assert "Draft" in preview.text and "visible to staff only" in preview.text
    assert 'name="robots" content="noindex"' in preview.text


def test_scheduled_post_is_hidden_until_its_date(client):
    author = make_user()
    later = utcnow() + timedelta(days=3)
    post = make_post(author, title="Embargoed statement", published_at=later)
    assert client.get(f"/{later:%Y/%m/%d}/{post.slug}/").status_code == 404


def test_a_preview_of_a_scheduled_post_shows_its_tags_but_no_neighbours(client):
    """Previous and next links are for public posts: a scheduled post previewed by its author
    links to no neighbour (the published post before it would otherwise be "Previous")."""
    author = make_user(email="writer@example.org")
    make_post(author, title="Already out", published_at=utcnow() - timedelta(days=1))
    later = utcnow() + timedelta(days=3)
    post = make_post(author, title="Embargoed statement", published_at=later, tag_names=["kelp"])
    login(client, "writer@example.org")
    preview = client.get(f"/{later:%Y/%m/%d}/{post.slug}/")
    assert preview.status_code == 200
    assert ">kelp<" in preview.text
    assert 'rel="prev"' not in preview.text and "Already out" not in preview.text


def test_not_found_page_uses_the_site_design(client):
    response = client.get("/no/such/page/here/")
    assert response.status_code == 404
    assert 'class="site-title"' in response.text
    assert "We could not find that page" in response.text


def test_server_error_page_hides_the_traceback(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_pages_declare_language_and_offer_a_skip_link(client):
    html = client.get("/").text
    assert '<html lang="en" dir="ltr">' in html
    assert 'class="skip-link" href="#main"' in html
    assert 'name="viewport"' in html


def test_healthz_reports_database_status(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    unreachable = {
        "sqlite": f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}",
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
    }
    for url in unreachable.values():
        app = create_app(base_config(tmp_path, url))
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"] == "unreachable"


def test_only_its_author_and_editors_preview_an_unpublished_post(client, app):
    writer = make_user(email="writer@example.org")
    make_user(email="other@example.org")
    make_user("editor", email="editor@example.org")
    draft = make_post(writer, title="Not ready", status=PostStatus.DRAFT.value)
    url = f"/{draft.created_at:%Y/%m/%d}/{draft.slug}/"
    expected = {"other@example.org": 404, "editor@example.org": 200, "writer@example.org": 200}
    for email, status in expected.items():
        browser = app.test_client()
        login(browser, email)
        assert browser.get(url).status_code == status, email
