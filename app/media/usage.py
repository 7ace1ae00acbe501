"""Keep track of where media items are used, and make body images responsive, whenever a post
or page is saved — whoever saves it (the post form, the importer, a command).

Both run in the session's ``before_flush``: when a post's or page's body or featured image
changed, images from the library in its stored HTML get their ``srcset``/``<picture>`` markup
(rendered once, on save) and its rows in ``media_usages`` are brought up to date.
"""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from app.extensions import listen_once
from app.media.library import items_for_keys, referenced_keys
from app.models import MediaItem, MediaUsage, Page, Post

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z][a-zA-Z0-9-]*)="([^"]*)"')
_PICTURE = re.compile(r"<picture>.*?</picture>", re.DOTALL)


def enhance_body_images(body_html: str, items: dict[str, MediaItem]) -> str:
    """Replace each plain ``<img src="/media/<key>">`` of a library image with responsive markup.

    ``body_html`` is sanitised HTML; the replacement is built from our own data and escaped.
    """
    from app.media.markup import picture

    if not items:
        return body_html

    def replace(match: re.Match[str]) -> str:
        attributes = {name.lower(): html.unescape(value) for name, value in _ATTR.findall(match[0])}
        if "srcset" in attributes:
            return match[0]
        keys = referenced_keys(attributes.get("src", ""))
        item = next((items[k] for k in keys if k in items), None)
        if item is None or not item.is_image or not item.width:
            return match[0]
        alt = attributes.get("alt", "").strip() or None
        return str(picture(item, alt=alt))

    # Leave already responsive images alone; rewrite the others.
    pieces: list[str] = []
    last = 0
    for block in _PICTURE.finditer(body_html):
        pieces.append(_IMG.sub(replace, body_html[last : block.start()]))
        pieces.append(block[0])
        last = block.end()
    pieces.append(_IMG.sub(replace, body_html[last:]))
    return "".join(pieces)


def _changed(obj, name: str, is_new: bool) -> bool:
    return is_new or get_history(obj, name).has_changes()


def _featured(obj: Post | Page) -> MediaItem | int | None:
    """The featured image as set: the relationship if it was assigned, else the column."""
    if get_history(obj, "featured_media").has_changes():
        return obj.__dict__.get("featured_media")
    return obj.featured_media_id


def _sync(session: Session, obj: Post | Page, is_new: bool) -> None:
    body_changed = _changed(obj, "body_html", is_new)
    featured_changed = (
        is_new
        or _changed(obj, "featured_media_id", False)
        or _changed(obj, "featured_media", False)
    )
    if not (body_changed or featured_changed):
        return
    # Only what changed is looked at: a post loaded for a list has no body to read.
    kinds = {
        k for k, changed in (("body", body_changed), ("featured", featured_changed)) if changed
    }
    wanted: dict[tuple[object, str], MediaItem | int] = {}
    if body_changed:
        keys = referenced_keys(obj.body_source or "") | referenced_keys(obj.body_html or "")
        items = items_for_keys(keys)
        if items:
            obj.body_html = enhance_body_images(obj.body_html or "", items)
        for item in items.values():
            wanted[(item.id, "body")] = item
    if featured_changed:
        featured = _featured(obj)
        if featured is not None:
            featured_id = featured.id if isinstance(featured, MediaItem) else featured
            key = featured_id if featured_id is not None else id(featured)
            wanted[(key, "featured")] = featured
    owner = "post" if isinstance(obj, Post) else "page"
    existing: list[MediaUsage] = []
    if not is_new and obj.id is not None:
        column = MediaUsage.post_id if owner == "post" else MediaUsage.page_id
        existing = list(
            session.scalars(
                select(MediaUsage).where(column == obj.id, MediaUsage.usage.in_(sorted(kinds)))
            )
        )
    for usage in existing:
        key = (usage.media_id, usage.usage)
        if key in wanted:
            wanted.pop(key)
        else:
            session.delete(usage)
    for (_, kind), media in wanted.items():
        usage = MediaUsage(usage=kind, **{owner: obj})
        if isinstance(media, MediaItem):
            usage.media = media
        else:
            usage.media_id = media
        session.add(usage)


def install_listeners() -> None:
    """Track usages and enhance body images on every flush. Called by ``create_app``
    (``register_model_hooks``)."""
    listen_once(Session, "before_flush", _track_media)


def _track_media(session: Session, flush_context, instances) -> None:
    new = [o for o in session.new if isinstance(o, Post | Page)]
    dirty = [o for o in session.dirty if isinstance(o, Post | Page) and o not in session.deleted]
    if not new and not dirty:
        return
    for obj in new:
        _sync(session, obj, True)
    for obj in dirty:
        _sync(session, obj, False)
