"""The staff's media library screens: upload, grid, edit, used-in and delete, per role."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app

from app.extensions import db
from app.media.library import add_media
from app.models import MediaItem, Post, User
from tests import media_samples as samples
from tests.conftest import csrf_token_from, login
from tests.factories import make_post, make_user


def _files() -> list[Path]:
    root = Path(current_app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client, files: list[tuple[bytes, str]], **fields):
    token = csrf_token_from(client.get("/admin/media").text)
    data = {"csrf_token": token, **fields}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/admin/media/upload", data=data, content_type="multipart/form-data")


def _item(title: str) -> MediaItem:
    return db.session.scalar(db.select(MediaItem).where(MediaItem.title == title))


def test_several_files_upload_at_once_without_javascript(app, client):
    make_user("author", email="a@example.org")
    login(client, "a@example.org")
    response = _upload(
        client,
        [(samples.photo((900, 600)), "march.jpg"), (samples.pdf(), "annual report.pdf")],
        credit="Photo: Jane Doe",
        alt="Marchers on the bridge",
    )
    assert response.status_code == 302
    grid = client.get("/admin/media")
    assert "Uploaded 2 files." in grid.text
    assert "march" in grid.text and "annual report" in grid.text
    assert 'srcset="' in grid.text and 'loading="lazy"' in grid.text
    assert _item("march").credit == "Photo: Jane Doe"
    assert _item("annual report").mime_type == "application/pdf"


def test_bad_upload_gets_a_clear_message_and_nothing_is_kept(app, client):
    make_user("author", email="a@example.org")
    login(client, "a@example.org")
    response = _upload(
        client,
        [(samples.svg_with_script(), "logo.png"), (samples.renamed_executable(), "cat.jpg")],
    )
    page = client.get(response.headers["Location"])
    assert "logo.png: SVG images are not accepted" in page.text
    assert "cat.jpg: This file is not one of the accepted types" in page.text
    assert db.session.scalar(db.select(db.func.count(MediaItem.id))) == 0
    assert _files() == []


def test_a_25_mb_upload_is_refused_before_it_is_read(app, client):
    make_user("author", email="a@example.org")
    login(client, "a@example.org")
    token = csrf_token_from(client.get("/admin/media").text)
    boundary = "----broadside-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + samples.oversized(25)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/admin/media/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "larger than the 20 MB limit" in response.text
    assert db.session.scalar(db.select(db.func.count(MediaItem.id))) == 0
    assert _files() == []


def test_javascript_upload_answers_json(app, client):
    make_user("author", email="a@example.org")
    login(client, "a@example.org")
    token = csrf_token_from(client.get("/admin/media").text)
    ok = client.post(
        "/admin/media/upload",
        data={"csrf_token": token, "files": [(io.BytesIO(samples.photo((500, 300))), "one.jpg")]},
        headers={"Accept": "application/json"},
    )
    assert ok.status_code == 201 and ok.json["items"][0]["needs_alt"] is True
    bad = client.post(
        "/admin/media/upload",
        data={"csrf_token": token, "files": [(io.BytesIO(samples.truncated_jpeg()), "two.jpg")]},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "damaged or incomplete" in bad.json["error"]


def test_grid_is_newest_first_searchable_filterable_and_paginated(app, client):
    current_app.config["MEDIA_PER_PAGE"] = 2
    author = make_user("editor", email="e@example.org")
    for name in ("alpha", "bravo", "charlie"):
        add_media(samples.photo((80, 60), fmt="PNG"), f"{name}.png", author, alt=f"{name} alt")
        db.session.commit()
    add_media(samples.pdf(), "delta.pdf", author)
    db.session.commit()
    login(client, "e@example.org")
    first = client.get("/admin/media").text
    assert first.index("delta") < first.index("charlie") and "bravo" not in first
    assert "Page 1 of 2" in first
    assert "alpha" in client.get("/admin/media?page=2").text
    found = client.get("/admin/media?q=brav").text
    assert "bravo" in found and "charlie" not in found
    documents = client.get("/admin/media?kind=document").text
    assert "delta" in documents and "alpha" not in documents


def test_alt_text_is_required_on_edit_unless_decorative(app, client):
    editor = make_user("editor", email="e@example.org")
    item = add_media(samples.photo((300, 200)), "x.jpg", editor)
    db.session.commit()
    login(client, "e@example.org")
    page = client.get(f"/admin/media/{item.id}")
    token = csrf_token_from(page.text)
    refused = client.post(f"/admin/media/{item.id}", data={"csrf_token": token, "title": "X"})
    assert refused.status_code == 200 and "Describe the image in the alt text" in refused.text
    saved = client.post(
        f"/admin/media/{item.id}",
        data={"csrf_token": token, "title": "X", "alt": "A bridge", "caption": "At dawn"},
    )
    assert saved.status_code == 302
    db.session.refresh(item)
    assert (item.alt, item.caption) == ("A bridge", "At dawn")


def test_contributor_cannot_upload_and_author_cannot_delete_anothers_upload(app, client):
    owner = make_user("author", email="owner@example.org")
    item = add_media(samples.photo((300, 200)), "owned.jpg", owner, alt="Owned")
    db.session.commit()
    make_user("contributor", email="c@example.org")
    login(client, "c@example.org")
    assert "Upload files" not in client.get("/admin/media").text
    assert _upload(client, [(samples.photo((300, 200)), "c.jpg")]).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/admin/").text)})
    make_user("author", email="other@example.org")
    login(client, "other@example.org")
    token = csrf_token_from(client.get(f"/admin/media/{item.id}").text)
    assert (
        client.post(f"/admin/media/{item.id}/delete", data={"csrf_token": token}).status_code == 403
    )
    assert db.session.get(MediaItem, item.id) is not None
    other = db.session.scalar(db.select(User).where(User.email == "other@example.org"))
    own = add_media(samples.photo((300, 200)), "mine.jpg", other, alt="Mine")
    db.session.commit()
    own_id = own.id
    token = csrf_token_from(client.get(f"/admin/media/{own_id}/delete").text)
    response = client.post(f"/admin/media/{own_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.rollback()  # end the test's read transaction to see the request's write
    assert db.session.get(MediaItem, own_id) is None


def test_delete_is_refused_while_used_and_can_remove_it_from_posts(app, client):
    editor = make_user("editor", email="e@example.org")
    item = add_media(samples.photo((600, 400)), "used.jpg", editor, alt="Used")
    db.session.commit()
    item_id = item.id
    post = make_post(
        editor, title="Story with a photo", body=f"Text\n\n![Used](/media/{item.storage_key})"
    )
    login(client, "e@example.org")
    edit_page = client.get(f"/admin/media/{item.id}").text
    assert "Story with a photo" in edit_page and "in the text" in edit_page
    confirm = client.get(f"/admin/media/{item.id}/delete")
    assert "It is still used in" in confirm.text and "Story with a photo" in confirm.text
    token = csrf_token_from(confirm.text)
    refused = client.post(f"/admin/media/{item.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 200 and "Story with a photo" in refused.text
    assert db.session.get(MediaItem, item.id) is not None
    done = client.post(
        f"/admin/media/{item.id}/delete", data={"csrf_token": token, "remove_from_content": "y"}
    )
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(MediaItem, item_id) is None
    assert "/media/" not in db.session.get(Post, post.id).body_html
    assert _files() == []
