"""The post and page forms as a writer meets them without JavaScript, and the live preview the
editor script asks the server for."""

from __future__ import annotations

import re

from tests.conftest import csrf_token_from, login
from tests.factories import make_post, make_user


def _author_client(client):
    make_user(email="author@example.org", role="author")
    login(client, "author@example.org")
    return client


def test_form_works_without_javascript_and_loads_the_editor_as_an_extra(client):
    html = _author_client(client).get("/admin/posts/new").text
    # A plain, tall textarea inside the form; the script is an external file (CSP), deferred.
    assert re.search(r'<textarea[^>]*name="body"[^>]*rows="18"', html)
    assert re.search(r'<script src="/static/editor(\.[0-9a-f]+)?\.js" defer></script>', html)
    assert "<script>" not in html and " onclick=" not in html
    assert 'data-preview-url="/admin/preview"' in html


def test_text_fields_follow_the_post_language_direction(client):
    author = make_user(email="author@example.org", role="author")
    post = make_post(author, title="گزارش", language="fa", status="draft")
    login(client, "author@example.org")
    html = client.get(f"/admin/posts/{post.id}/edit").text
    for name in ("title", "body", "excerpt"):
        tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'dir="rtl"' in tag and 'lang="fa"' in tag, tag
    # The language picker tells the script which languages are right to left.
    rtl = re.search(r'data-rtl-languages="([^"]+)"', html).group(1).split()
    assert {"fa", "ar", "he", "ur"} <= set(rtl) and "en" not in rtl and "de" not in rtl
    english = client.get("/admin/posts/new").text
    assert re.search(r'<textarea[^>]*dir="ltr"[^>]*name="body"', english) or re.search(
        r'<textarea[^>]*name="body"[^>]*dir="ltr"', english
    )


def test_live_preview_renders_and_sanitises_like_saving(client):
    page = _author_client(client).get("/admin/posts/new").text
    token = csrf_token_from(page)
    response = client.post(
        "/admin/preview",
        data={"body": "## Hello\n\n**bold** <script>alert(1)</script> https://example.org"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<h2>Hello</h2>" in html and "<strong>bold</strong>" in html
    assert "<script>" not in html
    assert '<a href="https://example.org"' in html


def test_live_preview_needs_the_csrf_token_and_a_login(client):
    assert client.post("/admin/preview", data={"body": "x"}).status_code in (302, 400)
    _author_client(client)
    assert client.post("/admin/preview", data={"body": "x"}).status_code == 400


def test_translation_lookup_finds_titles_in_other_languages_for_staff(client):
    author = make_user(email="author@example.org", role="author")
    english = make_post(author, title="The petition", language="en")
    german = make_post(author, title="Die Petition", language="de")
    make_post(author, title="Unrelated", language="de")
    login(client, "author@example.org")
    found = client.get(f"/admin/posts/lookup?q=petit&not_lang=en&exclude={english.id}")
    assert found.get_json()["results"] == [
        {"id": german.id, "title": "Die Petition", "language": "de",
         "label": "Die Petition (de)"}
    ]  # fmt: skip
    # Without JavaScript the picker lists posts in other languages only.
    form = client.get(f"/admin/posts/{english.id}/edit").text
    picker = form.split('name="translation_of"')[1].split("</select>")[0]
    assert "Die Petition (de)" in picker and "The petition (en)" not in picker
    assert 'data-lookup-url="/admin/posts/lookup"' in form
