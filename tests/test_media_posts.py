"""Photos in articles: featured images on posts, pages, lists and the home page; images in
bodies; the post form's picker and alt-text warning; constant queries with images."""

from __future__ import annotations

import re

from app.content.settings import save_settings
from app.extensions import db
from app.media.library import add_media, social_image
from app.models import Post
from tests import media_samples as samples
from tests.conftest import count_queries, login, submit_form
from tests.factories import make_category, make_page, make_post, make_user
from tests.test_query_counts import _populate, _queries_for

IMG = re.compile(r"<img\b[^>]*>")


def _photo(uploader, name="harbour", size=(1400, 900), **details):
    details.setdefault("alt", f"{name} at dawn")
    item = add_media(samples.photo(size), f"{name}.jpg", uploader, **details)
    db.session.commit()
    return item


def _attr(tag: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    return match.group(1) if match else None


def test_post_page_shows_the_featured_image_responsively_with_caption_and_credit(app, client):
    author = make_user()
    item = _photo(author, caption="Dockers on strike", credit="Photo: Jane Doe / Agency")
    post = make_post(author, title="Strike", featured_media_id=item.id)
    html = client.get(f"/{post.published_at:%Y/%m/%d}/{post.slug}/").text
    figure = html[html.index('<figure class="featured-image">') :]
    img = IMG.search(figure)[0]
    assert _attr(img, "width") == "1400" and _attr(img, "height") == "900"
    assert _attr(img, "alt") == "harbour at dawn"
    assert _attr(img, "sizes") and _attr(img, "decoding") == "async"
    srcset = _attr(img, "srcset")
    assert all(f" {w}w" in srcset for w in (320, 640, 960, 1280, 1400))
    assert '<source type="image/webp" srcset="' in figure
    assert "Dockers on strike" in figure and "Photo: Jane Doe / Agency" in figure
    # The smallest candidate really is a small file, served from /media/.
    smallest = srcset.split(",")[0].split()[0]
    with client.get(smallest) as response:
        assert response.status_code == 200 and len(response.data) < item.file_size / 4


def test_list_cards_and_home_blocks_show_featured_images_lazily(app, client):
    author = make_user()
    item = _photo(author)
    section = make_category("Reports")
    make_post(author, title="With photo", featured_media_id=item.id, category_ids=[section.id])
    make_post(author, title="Without photo")
    save_settings({"featured_categories": [section.id]})
    db.session.commit()
    for url in ("/", "/category/reports/", f"/author/{author.slug}/"):
        html = client.get(url).text
        cards = [c for c in html.split('<article class="post-card') if "post-card__title" in c]
        with_image = [c for c in cards if "With photo" in c]
        assert with_image and all("srcset=" in c and 'loading="lazy"' in c for c in with_image)
        assert all("<img" not in c for c in cards if "Without photo" in c)
    home = client.get("/").text
    block = home[home.index('class="featured-block"') :]
    assert "srcset=" in block[: block.index("</section>")]


def test_pages_show_their_featured_image(app, client):
    editor = make_user("editor")
    item = _photo(editor, name="office")
    page = make_page("About us")
    page.featured_media_id = item.id
    db.session.commit()
    html = client.get("/about-us/").text
    assert 'class="featured-image"' in html and "office at dawn" in html


def test_images_inserted_in_the_body_get_srcset_on_save(app, client):
    author = make_user()
    item = _photo(author, name="march")
    post = make_post(author, body=f"Before.\n\n![The march](/media/{item.storage_key})\n\nAfter.")
    html = client.get(f"/{post.published_at:%Y/%m/%d}/{post.slug}/").text
    body = html[html.index('class="post__body') :]
    img = IMG.search(body)[0]
    assert _attr(img, "alt") == "The march" and _attr(img, "loading") == "lazy"
    assert " 320w" in _attr(img, "srcset") and _attr(img, "width") == "1400"
    assert 'type="image/webp"' in body


def test_list_pages_cost_the_same_queries_with_featured_images(app_factory):
    plain = app_factory()
    with plain.app_context():
        urls = _populate(3, 30)
        without = {kind: _queries_for(plain, url) for kind, url in urls.items()}
    pictured = app_factory()
    with pictured.app_context():
        urls = _populate(3, 30)
        uploader = make_user()
        items = [_photo(uploader, name=f"p{n}", size=(700, 450)) for n in range(3)]
        for n, post in enumerate(db.session.scalars(db.select(Post))):
            post.featured_media_id = items[n % 3].id
        db.session.commit()
        with_images = {kind: _queries_for(pictured, url) for kind, url in urls.items()}
        client = pictured.test_client()
        assert client.get("/").text.count('class="post-card__image"') >= 10
        with count_queries(pictured) as statements:
            client.get(urls["home"])
        media_queries = [s for s in statements if "FROM media_items" in s.split("JOIN")[0]]
        assert media_queries == [], "featured images are joined, never loaded one by one"
    assert with_images == without


def test_post_form_sets_a_featured_image_and_warns_about_missing_alt(app, client):
    author = make_user("author", email="a@example.org")
    item = _photo(author, name="no-alt", alt="")
    login(client, "a@example.org")
    form = client.get("/admin/posts/new").text
    assert re.search(r'<script src="/static/js/media-insert[^"]*\.js" defer>', form)
    assert "<script>" not in form
    assert f'<option value="{item.id}">no-alt</option>' in form
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Photo story",
            "body": f"Look:\n\n![](/media/{item.storage_key})",
            "status": "published",
            "featured_media_id": item.id,
        },
        button="save",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "The image “no-alt” has no alt text" in page
    post = db.session.scalar(db.select(Post).where(Post.title == "Photo story"))
    assert post.featured_media_id == item.id
    assert f'<option selected value="{item.id}">' in page or f'value="{item.id}" selected' in page


def test_post_form_refuses_a_featured_image_that_does_not_exist(app, client):
    make_user("author", email="a@example.org")
    login(client, "a@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "Forged", "body": "x", "featured_media_id": 999},
        button="save",
    )
    assert response.status_code == 200 and "Not a valid choice" in response.text
    assert db.session.scalar(db.select(Post).where(Post.title == "Forged")) is None


def test_social_card_image_is_exposed_for_a_post(app):
    author = make_user()
    item = _photo(author, size=(2000, 1000))
    post = make_post(author, featured_media_id=item.id)
    card = social_image(post.featured_media)
    assert card["width"] == 1280 and card["url"].endswith(".jpg")
