"""WordPress attachments into the media library (app/media/library.py).

An attachment's file is taken from a copy of the old site's ``wp-content/uploads`` folder (no
network access), stored through ``add_media`` with its title, alt text and caption, and every
reference to it or to one of WordPress's resized copies (``photo-300x200.jpg``) in imported
content is pointed at the new file. Files written by an import that then fails are removed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, select

from app.extensions import db
from app.importers.wordpress.wxr import Item


@dataclass
class Stored:
    media_id: int
    url: str
    thumbnail_url: str


class MissingFile(Exception):
    """The attachment's file is not in the uploads folder (reported, not fatal)."""


def relative_upload_path(item: Item) -> str:
    """Where the file sits under ``wp-content/uploads`` (``2019/01/photo.jpg``)."""
    attached = item.meta.get("_wp_attached_file", "").strip().lstrip("/")
    if attached:
        return attached
    path = unquote(urlsplit(item.attachment_url).path)
    marker = "/uploads/"
    return path.split(marker, 1)[1] if marker in path else PurePosixPath(path).name


def find_file(uploads: Path, item: Item) -> Path:
    relative = relative_upload_path(item)
    root = uploads.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():  # no escaping the folder
        raise MissingFile(f"file not found in the uploads folder: {relative or '(no path)'}")
    return candidate


class MediaLibrary:
    """The importer's handle on the media library, remembering which files it wrote."""

    def __init__(self) -> None:
        from app.media import library

        self.library = library
        self.written_keys: list[str] = []

    def store(self, path: Path, item: Item, uploader) -> Stored:
        library = self.library
        with path.open("rb") as data:
            media = library.add_media(
                data,
                path.name,
                uploader,
                title=item.title,
                alt=item.meta.get("_wp_attachment_image_alt", ""),
                caption=item.excerpt.strip(),
            )
        self.written_keys.extend(library.all_keys(media))
        thumbnail = ""
        renditions = sorted(media.renditions or [], key=lambda r: r.get("w", 0))
        small = [r for r in renditions if r.get("w", 0) >= 300 and r.get("mime") == media.mime_type]
        if small:
            thumbnail = library.media_url(small[0]["key"])
        return Stored(media.id, library.media_url(media.storage_key), thumbnail)

    def existing(self, media_id: int) -> Stored | None:
        from app.models import MediaItem

        media = db.session.get(MediaItem, media_id)
        if media is None:
            return None
        return Stored(media.id, self.library.media_url(media.storage_key), "")

    def remove_written_files(self) -> None:
        from app.media.storage import get_storage

        storage = get_storage()
        for key in self.written_keys:
            with contextlib.suppress(OSError):  # already gone is fine
                storage.delete(key)

    def track_usages(self, post_ids: list[int], page_ids: list[int]) -> None:
        """Usage rows and responsive body images for bulk-written posts and pages.

        Posts saved one by one get these from the media module's save hook; the importer writes
        in bulk, so it runs the same step for what it wrote.
        """
        from app.media import usage
        from app.models import MediaUsage, Page, Post

        for model, ids, column in (
            (Post, post_ids, MediaUsage.post_id),
            (Page, page_ids, MediaUsage.page_id),
        ):
            for start in range(0, len(ids), 200):
                chunk = ids[start : start + 200]
                db.session.execute(delete(MediaUsage).where(column.in_(chunk)))
                objs = list(db.session.scalars(select(model).where(model.id.in_(chunk))))
                for obj in objs:
                    usage._sync(db.session, obj, True)
                db.session.flush()
                for obj in objs:
                    db.session.expunge(obj)


def media_available() -> bool:
    try:
        import app.media.library  # noqa: F401
    except ImportError:
        return False
    return True
