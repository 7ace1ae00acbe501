"""The media library's domain API: what is accepted, what is stored, and what is refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image

from app.content.settings import KEEP_MEDIA_METADATA, save_settings
from app.extensions import db
from app.media.library import (
    MediaError,
    MediaInUse,
    add_media,
    delete_media,
    image_sources,
    regenerate_renditions,
    social_image,
    update_media,
    usages_of,
)
from app.media.storage import get_storage
from app.models import MediaItem, MediaUsage, Post
from tests import media_samples as samples
from tests.factories import make_post, make_user


def stored_files() -> list[Path]:
    root = Path(current_app.config["MEDIA_ROOT"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def media_count() -> int:
    return db.session.scalar(db.select(db.func.count(MediaItem.id)))


def read_image(key: str) -> Image.Image:
    return Image.open(io.BytesIO(get_storage().read(key)))


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (samples.photo(fmt="JPEG"), "image/jpeg"),
        (samples.photo(fmt="PNG"), "image/png"),
        (samples.photo((700, 400), fmt="GIF"), "image/gif"),
        (samples.photo(fmt="WEBP"), "image/webp"),
        (samples.photo(fmt="AVIF"), "image/avif"),
        (samples.pdf(), "application/pdf"),
    ],
    ids=["jpeg", "png", "gif", "webp", "avif", "pdf"],
)
def test_each_accepted_type_is_stored_with_its_type_from_the_content(app, data, mime):
    uploader = make_user()
    # The file name lies on purpose: the type comes from the bytes.
    item = add_media(data, "upload.txt", uploader, alt="A test picture")
    db.session.commit()
    assert item.mime_type == mime
    assert get_storage().exists(item.storage_key)
    assert item.storage_key.endswith(
        {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
         "image/avif": ".avif", "application/pdf": ".pdf"}[mime]
    )  # fmt: skip
    if mime == "application/pdf":
        assert item.kind == "document" and item.renditions == []
    else:
        assert item.kind == "image" and (item.width, item.height) != (None, None)
        assert item.renditions, "images get renditions"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.renamed_executable(), "not one of the accepted types"),
        (samples.truncated_jpeg(), "damaged or incomplete"),
        (samples.png_bomb(), "too large to process safely"),
        (samples.svg_with_script(), "SVG images are not accepted"),
        (samples.gif_js_polyglot(), "extra data after its end"),
        (samples.oversized(25), "the limit is 20 MB"),
        (b"", "empty"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "PDF document is incomplete"),
    ],
    ids=["executable", "truncated-jpeg", "png-bomb", "svg-script", "gif-js-polyglot", "25MB",
         "empty", "truncated-pdf"],
)  # fmt: skip
def test_bad_files_are_refused_clearly_and_leave_nothing_behind(app, data, message):
    uploader = make_user()
    with pytest.raises(MediaError) as refused:
        add_media(data, "holiday.jpg", uploader, alt="x")
    assert message in str(refused.value)
    db.session.rollback()
    assert media_count() == 0
    assert stored_files() == []


def test_gps_camera_serial_and_owner_are_removed_and_the_photo_is_upright(app):
    item = add_media(
        samples.phone_photo_with_exif(), "IMG_0001.JPG", make_user(), alt="Two colours"
    )
    db.session.commit()
    assert (item.width, item.height) == (700, 1400)  # rotated upright
    keys = [item.storage_key] + [r["key"] for r in item.renditions]
    assert len(keys) >= 3
    for key in keys:
        raw = get_storage().read(key)
        assert samples.SERIAL.encode() not in raw and samples.OWNER.encode() not in raw
        image = Image.open(io.BytesIO(raw))
        exif = image.getexif()
        assert not exif.get_ifd(0x8825), f"GPS left in {key}"
        assert 0xA431 not in exif.get_ifd(0x8769), f"camera serial left in {key}"
        assert 0x0112 not in exif
        rgb = image.convert("RGB")
        top = rgb.getpixel((rgb.width // 2, rgb.height // 8))
        bottom = rgb.getpixel((rgb.width // 2, rgb.height * 7 // 8))
        assert top[0] > 150 and top[2] < 100, f"{key} is not upright (top {top})"
        assert bottom[2] > 150 and bottom[0] < 100, f"{key} is not upright (bottom {bottom})"


def test_admins_can_keep_photo_metadata_in_the_original_only(app):
    save_settings({KEEP_MEDIA_METADATA: True})
    db.session.commit()
    item = add_media(samples.phone_photo_with_exif(), "IMG_0002.JPG", make_user(), alt="Colours")
    db.session.commit()
    original = read_image(item.storage_key)
    assert original.getexif().get_ifd(0x8825)[1] == "N"
    assert 0x0112 not in original.getexif()  # the pixels are upright, so no orientation tag
    for rendition in item.renditions:
        assert not read_image(rendition["key"]).getexif().get_ifd(0x8825)


def test_colour_profile_is_kept(app):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = samples.photo((1000, 600), fmt="JPEG", icc_profile=profile)
    item = add_media(data, "profiled.jpg", make_user(), alt="Gradient")
    db.session.commit()
    assert read_image(item.storage_key).info.get("icc_profile") == profile
    assert all(read_image(r["key"]).info.get("icc_profile") == profile for r in item.renditions)


def test_renditions_are_smaller_never_upscaled_and_offered_in_webp(app):
    item = add_media(samples.photo((1500, 1000)), "wide.jpg", make_user(), alt="Gradient")
    db.session.commit()
    widths = {(r["w"], r["mime"]) for r in item.renditions}
    assert {(w, m) for w in (320, 640, 960, 1280) for m in ("image/jpeg", "image/webp")} <= widths
    assert all(r["w"] <= 1500 for r in item.renditions)
    assert (1920, "image/jpeg") not in widths
    for r in item.renditions:
        assert r["bytes"] < item.file_size
        assert read_image(r["key"]).size == (r["w"], r["h"])
    sources = image_sources(item)
    assert "320w" in sources.srcset and "1500w" in sources.srcset
    assert ".webp 320w" in sources.webp_srcset
    assert (sources.width, sources.height) == (1500, 1000)


def test_a_photo_whose_bytes_happen_to_hold_svg_is_still_a_photo(app):
    # Compressed image data holds "<svg" by chance in about one photo in 100,000 (a CI run met
    # one): such a photo is a photo, not markup.
    data = samples.photo((300, 200), comment=b"<svg onload=alert(1)>")
    assert b"<svg" in data[:4096]
    item = add_media(data, "chance.jpg", make_user(), alt="By chance")
    db.session.commit()
    assert item.kind == "image" and item.mime_type == "image/jpeg"


def test_a_small_image_gets_no_larger_copies(app):
    item = add_media(samples.photo((300, 200)), "small.jpg", make_user(), alt="Small")
    db.session.commit()
    assert {r["w"] for r in item.renditions} == {300}  # only the WebP of the original
    assert image_sources(item).srcset.endswith(" 300w")


def test_social_image_is_a_jpeg_about_1200_wide(app):
    item = add_media(samples.photo((2400, 1200)), "hero.jpg", make_user(), alt="Hero")
    card = social_image(item)
    assert card["type"] == "image/jpeg" and card["width"] == 1280 and card["height"] == 640
    assert card["url"].startswith("/media/") and card["alt"] == "Hero"


def test_alt_text_is_required_unless_decorative(app):
    item = add_media(samples.photo((400, 300)), "a.jpg", make_user())
    assert item.needs_alt
    with pytest.raises(MediaError, match="alt text"):
        update_media(item, title="A", alt="  ")
    update_media(item, title="A", alt="", decorative=True)
    assert not item.needs_alt and image_sources(item).alt == ""


def test_usage_is_tracked_and_a_used_item_is_not_deleted(app):
    author = make_user()
    item = add_media(samples.photo((900, 600)), "demo.jpg", author, alt="Demo", caption="c")
    db.session.commit()
    post = make_post(author, body=f"Intro\n\n![Crowd](/media/{item.storage_key})\n")
    featured = make_post(author, title="Featured one")
    featured.featured_media = item
    db.session.commit()
    assert {(u.post_id, u.usage) for u in usages_of(item)} == {
        (post.id, "body"),
        (featured.id, "featured"),
    }
    # The stored body shows the library image responsively.
    assert "srcset=" in post.body_html and 'type="image/webp"' in post.body_html
    assert 'alt="Crowd"' in post.body_html and 'loading="lazy"' in post.body_html
    with pytest.raises(MediaInUse) as refused:
        delete_media(item)
    assert "Featured one" in str(refused.value)
    assert get_storage().exists(item.storage_key)

    delete_media(item, remove_from_content=True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Post, featured.id).featured_media_id is None
    body = db.session.get(Post, post.id)
    assert "/media/" not in body.body_source and "/media/" not in body.body_html
    assert "Intro" in body.body_html
    assert media_count() == 0 and stored_files() == []
    assert db.session.scalar(db.select(db.func.count(MediaUsage.id))) == 0


def test_unused_item_is_deleted_with_its_files(app):
    item = add_media(samples.photo((700, 500)), "x.jpg", make_user(), alt="X")
    db.session.commit()
    assert stored_files()
    delete_media(item)
    db.session.commit()
    assert stored_files() == [] and media_count() == 0


def test_regenerate_follows_new_widths_and_updates_bodies(app):
    author = make_user()
    item = add_media(samples.photo((1000, 500)), "r.jpg", author, alt="R")
    db.session.commit()
    post = make_post(author, body=f"![R](/media/{item.storage_key})")
    old_keys = {r["key"] for r in item.renditions}
    current_app.config["MEDIA_WIDTHS"] = [500]
    regenerate_renditions(item)
    db.session.commit()
    assert {r["w"] for r in item.renditions} == {500, 1000}
    assert all(not get_storage().exists(k) for k in old_keys - {r["key"] for r in item.renditions})
    db.session.refresh(post)
    assert " 500w" in post.body_html and " 320w" not in post.body_html


def test_keep_metadata_is_an_admin_setting(app, client):
    from tests.conftest import login, submit_form

    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    assert "Keep photo metadata" in client.get("/admin/settings").text
    response = submit_form(client, "/admin/settings", {"media_keep_metadata": "y"})
    assert response.status_code == 302
    db.session.rollback()
    from app.content.settings import all_settings

    assert all_settings()[KEEP_MEDIA_METADATA] is True


def test_regenerate_command_rebuilds_every_image_with_a_progress_bar(app):
    author = make_user()
    for n in range(3):
        add_media(samples.photo((900, 500), fmt="PNG"), f"p{n}.png", author, alt="P")
    add_media(samples.pdf(), "doc.pdf", author)
    db.session.commit()
    app.config["MEDIA_WIDTHS"] = [400]
    result = app.test_cli_runner().invoke(args=["media", "regenerate"])
    assert result.exit_code == 0, result.output
    assert "Regenerating renditions" in result.output
    assert "3 images done, 9 renditions written, 0 failed." in result.output
    for item in db.session.scalars(db.select(MediaItem).where(MediaItem.kind == "image")):
        assert sorted((r["w"], r["mime"]) for r in item.renditions) == [
            (400, "image/png"), (400, "image/webp"), (900, "image/webp")
        ]  # fmt: skip
        assert all(get_storage().exists(r["key"]) for r in item.renditions)
