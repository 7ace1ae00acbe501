"""Head metadata for link previews and search engines: OpenGraph, Twitter cards, JSON-LD."""

from __future__ import annotations

import json
import re
from html import unescape

from app.content.pages import PageDraft, save_page
from app.extensions import db
from app.media.library import add_media
from tests import media_samples as samples
from tests.factories import SETUP, make_category, make_page, make_post, make_user

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
META = re.compile(r'<meta (property|name)="([^"]+)" content="([^"]*)">')


def head_of(client, url: str) -> tuple[dict[str, list[str]], list[dict]]:
    response = client.get(url)
    assert response.status_code == 200
    head = response.text.split("</head>")[0]
    tags: dict[str, list[str]] = {}
    for _kind, key, value in META.findall(head):
        tags.setdefault(key, []).append(unescape(value))
    return tags, [json.loads(block) for block in JSON_LD.findall(head)]


def test_a_post_page_gives_previews_and_news_article_data(client):
    writer = make_user(name="Ada Writer")
    section = make_category("Fisheries")
    item = add_media(samples.photo((1600, 1000)), "boat.jpg", writer, alt="A fishing boat")
    db.session.commit()
    post = make_post(
        writer,
        title='Boats & "nets" </script><script>alert(1)</script>',
        excerpt="What the fleet caught this year.",
        category_ids=[section.id],
        tag_names=["Eels"],
        featured_media_id=item.id,
        language="de",
    )
    url = f"/{post.published_at:%Y/%m/%d}/{post.slug}/"
    tags, data = head_of(client, url)
    absolute = f"http://localhost{url}"
    assert tags["description"] == ["What the fleet caught this year."]
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == [post.title]
    assert tags["og:url"] == [absolute]
    assert tags["og:locale"] == ["de"]
    assert tags["og:image"][0].startswith("http://localhost/media/")
    assert int(tags["og:image:width"][0]) >= 1200 and int(tags["og:image:height"][0]) > 0
    assert tags["og:image:alt"] == ["A fishing boat"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["article:tag"] == ["Eels"]
    article, breadcrumbs = data
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == post.title  # survived the </script> in the title as data
    assert article["author"][0]["name"] == "Ada Writer"
    assert article["publisher"]["name"]
    assert article["datePublished"].startswith(f"{post.published_at:%Y-%m-%d}")
    assert article["image"] == tags["og:image"]
    assert [i["name"] for i in breadcrumbs["itemListElement"]] == ["Home", "Fisheries", post.title]
    assert breadcrumbs["itemListElement"][-1]["item"] == absolute


def test_reposts_credit_the_outside_author_and_protected_posts_keep_their_excerpt(client):
    writer = make_user(name="Ada")
    repost = make_post(writer, title="Repost", byline_name="Rosa Outside", source_name="Paper")
    tags, data = head_of(client, f"/{repost.published_at:%Y/%m/%d}/{repost.slug}/")
    assert data[0]["author"][0]["name"] == "Rosa Outside"
    assert tags["twitter:card"] == ["summary"]
    locked = make_post(writer, title="Locked", excerpt="The secret summary", password="x")
    response = client.get(f"/{locked.published_at:%Y/%m/%d}/{locked.slug}/")
    assert "The secret summary" not in response.text
    assert json.loads(JSON_LD.search(response.text).group(1))["headline"] == "Locked"


def test_pages_home_and_archives_describe_themselves(client):
    about = make_page("About us", body="We defend the rivers of Europe.")
    team = make_page("Team", body="Who we are.", parent=about)
    tags, data = head_of(client, "/about-us/team/")
    assert tags["og:title"] == ["Team"] and tags["description"] == ["Who we are."]
    assert data[0]["@type"] == "WebPage"
    assert [i["name"] for i in data[1]["itemListElement"]] == ["Home", "About us", "Team"]
    assert team.id
    home, _ = head_of(client, "/")
    assert home["og:type"] == ["website"] and home["og:site_name"]
    make_category("Rivers")
    writer = make_user()
    make_post(writer, title="x", tag_names=["Eels"])
    archive, _ = head_of(client, "/tag/eels/")
    assert archive["og:title"] == ["Eels"]


def test_staff_override_title_and_description_and_hide_a_post_from_search_engines(client):
    from tests.conftest import login, submit_form

    make_user("editor", email="ed@example.org")
    writer = make_user()
    post = make_post(writer, title="Working title", excerpt="Plain excerpt")
    page = make_page("Imprint", slug="imprint", body="Legal text.")
    login(client, "ed@example.org")
    response = submit_form(
        client,
        f"/admin/posts/{post.id}/edit",
        {
            "seo_title": "Rivers report 2024: what changed",
            "seo_description": "Ten findings on European rivers.",
            "noindex": "y",
        },
    )
    assert response.status_code == 302
    response = submit_form(client, f"/admin/pages/{page.id}/edit", {"noindex": "y"})
    assert response.status_code == 302
    client.post("/logout", data={})
    visitor = client.application.test_client()
    url = f"/{post.published_at:%Y/%m/%d}/{post.slug}/"
    text = visitor.get(url).text
    assert "<title>Rivers report 2024: what changed ·" in text
    tags, data = head_of(visitor, url)
    assert tags["description"] == ["Ten findings on European rivers."]
    assert tags["og:title"] == ["Rivers report 2024: what changed"]
    assert tags["robots"] == ["noindex"]
    assert data[0]["headline"] == "Rivers report 2024: what changed"
    assert tags_of_page(visitor, "/imprint/")["robots"] == ["noindex"]
    sitemap = visitor.get(f"/sitemap-posts-{post.published_at.year}.xml")
    assert post.slug not in sitemap.get_data(as_text=True) or sitemap.status_code == 404
    assert "imprint" not in visitor.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "Working title" in text  # the page itself keeps its heading


def tags_of_page(client, url: str) -> dict[str, list[str]]:
    return head_of(client, url)[0]


def test_a_page_description_follows_its_text_through_edits(app, client):
    """A page's description is derived from its text when the page is saved, not per view:
    an edit shows at once, and a long page is cut to its first 40 words."""
    page = make_page("Mission", body="We defend the rivers of Europe.")
    tags, _ = head_of(client, "/mission/")
    assert tags["description"] == ["We defend the rivers of Europe."]
    save_page(
        page,
        PageDraft(
            title="Mission",
            body_source=" ".join(f"w{n}" for n in range(80)),
            slug="mission",
            status="published",
        ),
        by=SETUP,
    )
    db.session.commit()
    tags, _ = head_of(client, "/mission/")
    (description,) = tags["description"]
    assert description.startswith("w0 w1 w2 ") and description.endswith("w39…")
