"""WordPress attachments become media library items; references and featured images follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.importers.wordpress.importer import ImportFailed, Options, import_wordpress
from app.models import MediaItem, MediaUsage, Post
from tests import media_samples as samples
from tests.wxr_builder import WxrPost, write, wxr

OLD = "https://old.example.org/wp-content/uploads/2019/05"


def _uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads" / "2019" / "05"
    folder.mkdir(parents=True)
    (folder / "harbour.jpg").write_bytes(samples.photo(fmt="JPEG"))
    (folder / "march.png").write_bytes(samples.photo(fmt="PNG"))
    return tmp_path / "uploads"


def _export(tmp_path: Path) -> Path:
    posts = [
        WxrPost(
            50, "Harbour", "", post_type="attachment", status="inherit", parent=1,
            attachment_url=f"{OLD}/harbour.jpg", excerpt="The harbour at dawn",
            meta={"_wp_attachment_image_alt": "Boats in the harbour", "_wp_attached_file": "2019/05/harbour.jpg"},
        ),
        WxrPost(
            51, "March", "", post_type="attachment", status="inherit", parent=1,
            attachment_url=f"{OLD}/march.png", meta={"_wp_attachment_image_alt": "Marchers"},
        ),
        WxrPost(52, "Lost", "", post_type="attachment", status="inherit", attachment_url=f"{OLD}/lost.jpg"),
        WxrPost(
            1, "Day at the harbour",
            f'[caption id="attachment_50" width="300"]<img src="{OLD}/harbour-300x200.jpg" alt="Boats" width="300" height="200" /> At dawn[/caption]\n\n'
            f'See <a href="{OLD}/march.png">the march</a>.\n\n[gallery ids="50,51"]',
            slug="harbour-day", meta={"_thumbnail_id": "51"},
        ),
    ]  # fmt: skip
    return write(tmp_path / "media.xml", wxr(posts))


def test_attachments_become_media_items_and_references_follow(app, tmp_path, client):
    report = import_wordpress(_export(tmp_path), Options(uploads=_uploads(tmp_path)))
    assert report.counts["attachments"]["found"] == 3
    assert report.counts["attachments"]["imported"] == 2
    lost = next(s for s in report.skips if s["kind"] == "attachments")
    assert lost["old_id"] == "52" and "not found" in lost["reason"]
    harbour = db.session.scalar(select(MediaItem).where(MediaItem.title == "Harbour"))
    assert harbour.alt == "Boats in the harbour" and harbour.caption == "The harbour at dawn"
    post = db.session.scalar(select(Post).where(Post.slug == "harbour-day"))
    assert "old.example.org" not in post.body_html  # every copy, resized or not, points here
    assert (
        f"/media/{harbour.storage_key}" in post.body_html or harbour.storage_key in post.body_html
    )
    assert "<figcaption>At dawn</figcaption>" in post.body_html
    march = db.session.scalar(select(MediaItem).where(MediaItem.title == "March"))
    assert post.featured_media_id == march.id
    used = {(u.media_id, u.usage) for u in db.session.scalars(select(MediaUsage))}
    assert (march.id, "featured") in used and (harbour.id, "body") in used
    for item in (harbour, march):
        response = client.get(f"/media/{item.storage_key}")
        assert response.status_code == 200
        response.close()


def test_second_import_reuses_the_media(app, tmp_path):
    uploads = _uploads(tmp_path)
    import_wordpress(_export(tmp_path), Options(uploads=uploads))
    report = import_wordpress(_export(tmp_path), Options(uploads=uploads))
    assert report.counts["attachments"]["unchanged"] == 2
    assert db.session.scalar(select(func.count()).select_from(MediaItem)) == 2


def test_failed_import_removes_the_files_it_wrote(app, tmp_path, monkeypatch):
    from app.importers.wordpress import importer

    def explode(self, *args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer.WordPressImport, "_add_redirects", explode)
    with pytest.raises(ImportFailed):
        import_wordpress(_export(tmp_path), Options(uploads=_uploads(tmp_path)))
    root = Path(current_app.config["MEDIA_ROOT"])
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]
    assert db.session.scalar(select(func.count()).select_from(MediaItem)) == 0


def test_without_uploads_folder_attachments_are_reported(app, tmp_path):
    report = import_wordpress(_export(tmp_path))
    assert report.counts["attachments"]["skipped"] == 3
    assert all("--uploads" in s["reason"] for s in report.skips if s["kind"] == "attachments")
