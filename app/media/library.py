"""The media library's domain functions: add, describe, find, use and delete media items.

No request code: the admin screens, the WordPress importer and the CLI all call these. They need
an app context (for the configuration and the storage); the caller commits the session.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import joinedload

from app.content.permissions import can
from app.content.settings import KEEP_MEDIA_METADATA, get_setting
from app.content.slugs import slugify
from app.extensions import db
from app.media.errors import MediaError
from app.media.storage import get_storage
from app.models import MediaItem, MediaKind, MediaUsage

if TYPE_CHECKING:
    from app.media.processing import Processed, Rendition
    from app.models import User

# Pillow is imported by app.media.processing, which the functions that process files import
# when they run: a worker that only serves pages never loads it (app/media/errors.py).

__all__ = [
    "ImageSources",
    "MediaError",
    "MediaInUse",
    "add_media",
    "delete_media",
    "image_sources",
    "media_query",
    "media_url",
    "regenerate_renditions",
    "social_image",
    "update_media",
    "usages_of",
]


class MediaInUse(MediaError):
    """Deleting an item that posts or pages still show."""

    def __init__(self, usages: list[MediaUsage]) -> None:
        self.usages = usages
        super().__init__(
            "This file is used in "
            + ", ".join(f"“{u.post.title if u.post else u.page.title}”" for u in usages)
            + ". Remove it from there first, or delete it from those posts too."
        )


# ---------------------------------------------------------------------------------------------
# Adding


def _read(data: bytes | IO[bytes], limit: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    # Read one byte more than allowed: enough to know it is too large, never the whole file.
    return data.read(limit + 1)


def _limits() -> tuple[int, int, list[int]]:
    config = current_app.config
    return (
        config["MEDIA_MAX_UPLOAD_MB"] * 1024 * 1024,
        config["MEDIA_MAX_PIXELS"],
        list(config["MEDIA_WIDTHS"]),
    )


def _stem(filename: str) -> str:
    stem = PurePosixPath(filename.replace("\\", "/")).stem
    return slugify(stem, max_length=60) or "file"


def _key(stem: str, data: bytes, extension: str, suffix: str = "") -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{stem}{suffix}.{digest[:16]}.{extension}"


def _rendition_entries(stem: str, renditions: list[Rendition]) -> list[tuple[dict, bytes]]:
    from app.media.processing import EXTENSION_OF_MIME

    entries = []
    for r in renditions:
        ext = EXTENSION_OF_MIME[r.mime_type]
        key = _key(stem, r.data, ext, f"-{r.width}w")
        entry = {"w": r.width, "h": r.height, "mime": r.mime_type, "key": key, "bytes": len(r.data)}
        entries.append((entry, r.data))
    return entries


def _write_all(files: list[tuple[str, bytes, str]]) -> None:
    """Store every file or none: on a failure, remove what was already written."""
    storage = get_storage()
    written: list[str] = []
    try:
        for key, data, mime in files:
            storage.save(key, data, mime)
            written.append(key)
    except Exception:
        for key in written:
            storage.delete(key)
        raise


def add_media(
    data: bytes | IO[bytes],
    filename: str,
    uploader: User | None,
    *,
    title: str = "",
    alt: str = "",
    caption: str = "",
    credit: str = "",
    decorative: bool = False,
    keep_metadata: bool | None = None,
) -> MediaItem:
    """Check, re-encode and store an upload with its renditions; return the new (flushed) item.

    The type comes from the content, never from ``filename``, which only names the files.
    Raises :class:`MediaError` with a message for the uploader when the file is refused; then
    nothing is stored. ``keep_metadata`` defaults to the admins' "keep photo metadata" setting.
    """
    from app.media.processing import process_upload

    max_bytes, max_pixels, widths = _limits()
    raw = _read(data, max_bytes)
    if keep_metadata is None:
        keep_metadata = bool(get_setting(KEEP_MEDIA_METADATA))
    processed: Processed = process_upload(
        raw, max_bytes=max_bytes, max_pixels=max_pixels, widths=widths, keep_metadata=keep_metadata
    )
    stem = _stem(filename)
    key = _key(stem, processed.data, processed.extension)
    renditions = _rendition_entries(stem, processed.renditions)
    files = [(key, processed.data, processed.mime_type)]
    files += [(entry["key"], blob, entry["mime"]) for entry, blob in renditions]
    _write_all(files)
    item = MediaItem(
        kind=processed.kind,
        mime_type=processed.mime_type,
        original_filename=filename[:255],
        storage_key=key,
        content_hash=hashlib.sha256(processed.data).hexdigest(),
        file_size=len(processed.data),
        width=processed.width,
        height=processed.height,
        renditions=[entry for entry, _ in renditions],
        title=(title.strip() or PurePosixPath(filename.replace("\\", "/")).stem)[:300],
        alt=alt.strip()[:1000],
        caption=caption.strip()[:2000],
        credit=credit.strip()[:300],
        decorative=decorative,
        uploader=uploader,
    )
    db.session.add(item)
    try:
        db.session.flush()
    except Exception:
        _delete_files_of(item, only_if_unshared=True)
        raise
    return item


def update_media(
    item: MediaItem,
    *,
    title: str,
    alt: str,
    caption: str = "",
    credit: str = "",
    decorative: bool = False,
) -> MediaItem:
    """Change what staff wrote about an item. Images need alt text unless decorative."""
    alt = alt.strip()
    if item.is_image and not decorative and not alt:
        raise MediaError(
            "Describe the image in the alt text (what a reader who cannot see it needs to know), "
            "or tick “decorative” if it adds nothing to the text."
        )
    item.title = title.strip()[:300] or item.title
    item.alt = "" if decorative else alt[:1000]
    item.caption = caption.strip()[:2000]
    item.credit = credit.strip()[:300]
    item.decorative = decorative
    return item


# ---------------------------------------------------------------------------------------------
# Finding and showing


def media_query(
    *, search: str = "", kind: str = "", uploader_id: int | None = None, missing_alt: bool = False
):
    """Library items newest first, optionally filtered (for the admin grid and pickers)."""
    query = db.select(MediaItem).order_by(MediaItem.created_at.desc(), MediaItem.id.desc())
    if kind in {k.value for k in MediaKind}:
        query = query.where(MediaItem.kind == kind)
    if uploader_id is not None:
        query = query.where(MediaItem.uploader_id == uploader_id)
    if missing_alt:
        query = query.where(
            MediaItem.kind == MediaKind.IMAGE, MediaItem.decorative.is_(False), MediaItem.alt == ""
        )
    search = search.strip()
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(
            MediaItem.title.ilike(pattern, escape="\\")
            | MediaItem.alt.ilike(pattern, escape="\\")
            | MediaItem.original_filename.ilike(pattern, escape="\\")
        )
    return query


def media_url(key: str) -> str:
    """The public URL of a stored file (``/media/<key>`` unless ``MEDIA_URL`` points elsewhere)."""
    return f"{current_app.config['MEDIA_URL']}/{key}"


@dataclass(frozen=True)
class ImageSources:
    """Everything an ``<img>``/``<picture>`` needs: the fallback ``src``/``srcset`` in a format
    every browser shows, and a WebP ``srcset`` when there is one."""

    src: str
    srcset: str
    webp_srcset: str
    width: int
    height: int
    alt: str
    mime_type: str

    @property
    def has_webp(self) -> bool:
        return bool(self.webp_srcset)


def _sets(item: MediaItem) -> tuple[list[tuple[int, str]], list[tuple[int, str]], str]:
    fallback_mime = item.mime_type
    entries = item.renditions or []
    mimes = {e["mime"] for e in entries}
    if item.mime_type not in {"image/jpeg", "image/png", "image/webp"} or (
        item.mime_type not in mimes and any(e["w"] == item.width for e in entries)
    ):
        # GIF and AVIF originals: the full-size rendition in PNG/JPEG is the fallback.
        full = [e for e in entries if e["w"] == item.width and e["mime"] != "image/webp"]
        fallback_mime = full[0]["mime"] if full else item.mime_type
    fallback = sorted((e["w"], e["key"]) for e in entries if e["mime"] == fallback_mime)
    if fallback_mime == item.mime_type:
        fallback.append((item.width or 0, item.storage_key))
    webp: list[tuple[int, str]] = []
    if fallback_mime != "image/webp":
        webp = sorted((e["w"], e["key"]) for e in entries if e["mime"] == "image/webp")
    return fallback, webp, fallback_mime


def image_sources(item: MediaItem, *, max_width: int | None = None) -> ImageSources:
    """URLs and ``srcset`` strings for an image item (renditions never larger than the original).

    ``src`` is the smallest rendition at least ``max_width`` wide (default 960), so browsers
    without ``srcset`` support still get a reasonably small file.
    """
    fallback, webp, fallback_mime = _sets(item)
    wanted = max_width or 960
    src_key = next((key for w, key in fallback if w >= wanted), fallback[-1][1])
    return ImageSources(
        src=media_url(src_key),
        srcset=", ".join(f"{media_url(key)} {w}w" for w, key in fallback),
        webp_srcset=", ".join(f"{media_url(key)} {w}w" for w, key in webp),
        width=item.width or 0,
        height=item.height or 0,
        alt="" if item.decorative else item.alt,
        mime_type=fallback_mime,
    )


def social_image(item: MediaItem | None) -> dict | None:
    """The image for OpenGraph/Twitter cards: a JPEG/PNG about 1200 pixels wide.

    Returns ``{"url", "width", "height", "alt", "type"}`` with a site-relative URL (the caller
    makes it absolute), or None for no item or a document.
    """
    if item is None or not item.is_image:
        return None
    fallback, _, mime = _sets(item)
    chosen = next(((w, k) for w, k in fallback if w >= 1200), fallback[-1])
    width = chosen[0]
    height = round((item.height or 0) * width / item.width) if item.width else 0
    return {
        "url": media_url(chosen[1]),
        "width": width,
        "height": height,
        "alt": "" if item.decorative else item.alt,
        "type": mime,
    }


def all_keys(item: MediaItem) -> list[str]:
    return [item.storage_key] + [e["key"] for e in item.renditions or []]


# ---------------------------------------------------------------------------------------------
# Where items are used


def usages_of(item: MediaItem) -> list[MediaUsage]:
    """Each post and page that shows ``item`` (as featured image or in its body)."""
    return list(
        db.session.scalars(
            db.select(MediaUsage)
            .where(MediaUsage.media_id == item.id)
            .options(joinedload(MediaUsage.post), joinedload(MediaUsage.page))
            .order_by(MediaUsage.id)
        ).unique()
    )


_MEDIA_REF = re.compile(r"/media/([A-Za-z0-9._/-]+\.[a-z0-9]{2,5})")


def referenced_keys(text: str) -> set[str]:
    """Storage keys of ``/media/...`` URLs in a body (Markdown or HTML)."""
    return set(_MEDIA_REF.findall(text or ""))


def items_for_keys(keys: Iterable[str]) -> dict[str, MediaItem]:
    keys = set(keys)
    if not keys:
        return {}
    items = db.session.scalars(db.select(MediaItem).where(MediaItem.storage_key.in_(keys)))
    return {item.storage_key: item for item in items}


def can_manage_media(user: User, item: MediaItem | None = None) -> bool:
    """Editors and admins manage every item, authors their own uploads, contributors none."""
    if can(user, "edit_any_post"):
        return True
    return can(user, "upload_media") and (item is None or item.uploader_id == user.id)


# ---------------------------------------------------------------------------------------------
# Deleting


def _delete_files_of(item: MediaItem, *, only_if_unshared: bool) -> None:
    """Remove the item's files, unless another item holds the same content (same keys)."""
    if only_if_unshared:
        twin = db.session.scalar(
            db.select(MediaItem.id)
            .where(MediaItem.content_hash == item.content_hash, MediaItem.id != item.id)
            .limit(1)
        )
        if twin is not None:
            return
    storage = get_storage()
    for key in all_keys(item):
        storage.delete(key)


def _remove_from_body(source: str, keys: set[str]) -> str:
    """Drop Markdown images, ``<figure>``s and ``<img>``s that show one of ``keys``."""
    for key in keys:
        url = re.escape(key)
        source = re.sub(
            r"<figure\b[^>]*>(?:(?!</figure>).){0,5000}?/media/"
            + url
            + r"(?:(?!</figure>).){0,5000}?</figure>\s*",
            "",
            source,
            flags=re.DOTALL | re.IGNORECASE,
        )
        source = re.sub(
            r"!\[[^\]\n]{0,1000}\]\(\s*<?[^)\s]*/media/" + url + r"[^)\n]{0,1000}\)", "", source
        )
        source = re.sub(
            r"<img\b[^>]{0,2000}/media/" + url + r"[^>]{0,2000}>", "", source, flags=re.IGNORECASE
        )
    return source


def delete_media(item: MediaItem, *, remove_from_content: bool = False) -> None:
    """Delete ``item`` and its files. While posts or pages use it this raises
    :class:`MediaInUse`, unless ``remove_from_content``: then it is first taken out of them
    (featured image unset, images removed from the bodies, which are rendered again)."""
    from app.content.rendering import render_markdown

    usages = usages_of(item)
    if usages and not remove_from_content:
        raise MediaInUse(usages)
    keys = set(all_keys(item))
    for usage in usages:
        target = usage.post or usage.page
        if target is None:
            continue
        if target.featured_media_id == item.id:
            target.featured_media = None
            target.featured_media_id = None
        if usage.usage == "body":
            new_source = _remove_from_body(target.body_source, keys)
            if new_source != target.body_source:
                target.body_source = new_source
                target.body_html = render_markdown(new_source)
    db.session.flush()
    _delete_files_of(item, only_if_unshared=True)
    db.session.delete(item)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Renditions after a change of MEDIA_WIDTHS


def regenerate_renditions(item: MediaItem) -> int:
    """Rebuild ``item``'s renditions from its stored original; return how many there are now.

    Bodies showing the item are rendered again so their ``srcset`` names the new files.
    """
    from app.content.rendering import render_markdown
    from app.media.processing import make_renditions, open_stored

    if not item.is_image:
        return 0
    storage = get_storage()
    original = storage.read(item.storage_key)
    image = open_stored(original, current_app.config["MEDIA_MAX_PIXELS"])
    if getattr(image, "n_frames", 1) > 1:
        return 0
    save_format = {"MPO": "JPEG"}.get(image.format or "", image.format or "")
    renditions = make_renditions(
        image, save_format, list(current_app.config["MEDIA_WIDTHS"]), image.info.get("icc_profile")
    )
    stem = PurePosixPath(item.storage_key).name.split(".")[0]
    entries = _rendition_entries(stem, renditions)
    _write_all([(entry["key"], blob, entry["mime"]) for entry, blob in entries])
    old = {e["key"] for e in item.renditions or []}
    item.renditions = [entry for entry, _ in entries]
    for key in old - {e["key"] for e in item.renditions}:
        storage.delete(key)
    for usage in usages_of(item):
        target = usage.post or usage.page
        if usage.usage == "body" and target is not None:
            target.body_html = render_markdown(target.body_source)
    return len(entries)


# ---------------------------------------------------------------------------------------------
# The post and page forms

FEATURED_CHOICES_LIMIT = 200


def featured_image_choices(current_id: int | None = None) -> list[tuple[str, str]]:
    """``(id, label)`` for the featured-image picker: the newest images, plus the current one."""
    columns = (MediaItem.id, MediaItem.title, MediaItem.original_filename)
    images = db.select(*columns).where(MediaItem.kind == MediaKind.IMAGE)
    rows = db.session.execute(
        images.order_by(MediaItem.created_at.desc(), MediaItem.id.desc()).limit(
            FEATURED_CHOICES_LIMIT
        )
    ).all()
    if current_id and current_id not in {row.id for row in rows}:
        rows += db.session.execute(images.where(MediaItem.id == current_id)).all()
    return [("", "— no featured image —")] + [
        (str(row.id), row.title or row.original_filename) for row in rows
    ]


_MARKDOWN_IMAGE = re.compile(r"!\[([^\]\n]{0,1000})\]\(\s*<?([^)\s>]{1,2000})")
_HTML_IMAGE = re.compile(r"<img\b[^>]{0,2000}>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)


def images_missing_alt(body_source: str, featured_id: int | None = None) -> list[MediaItem]:
    """Library images a post shows without alt text: inserted with an empty description while
    the item has none either (and is not decorative), or a featured image lacking it."""
    empty_keys: set[str] = set()
    for alt, url in _MARKDOWN_IMAGE.findall(body_source or ""):
        if not alt.strip():
            empty_keys |= referenced_keys(url)
    for tag in _HTML_IMAGE.findall(body_source or ""):
        alt = _ALT.search(tag)
        if alt is None or not alt.group(1)[1:-1].strip():
            empty_keys |= referenced_keys(tag)
    found = [item for item in items_for_keys(empty_keys).values() if item.needs_alt]
    if featured_id:
        featured = db.session.get(MediaItem, featured_id)
        if featured is not None and featured.needs_alt and featured not in found:
            found.append(featured)
    return found
