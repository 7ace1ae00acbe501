"""Old addresses that keep working: the redirect table (301 moved, 410 gone).

The table is consulted only when nothing else answers a path, so a redirect can never hide a
live page. Paths are compared normalised: percent-decoded, without the trailing slash, case
folded; query strings are ignored (``?utm_source=...`` must not break a match) except the
WordPress id parameters (``/?p=123``, ``/?page_id=7``, ``/?cat=3`` ...) that old links use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, attributes

from app.extensions import db, listen_once
from app.inputs import has_control_characters
from app.models import Page, Post, PostStatus, Redirect, utcnow

# Query parameters that identify content on a WordPress site, in the order they are tried.
WORDPRESS_QUERY_KEYS = (
    "p",
    "page_id",
    "attachment_id",
    "cat",
    "tag",
    "author",
    "feed",
    "m",
    "name",
    "pagename",
)
GONE = 410
MOVED = 301
CODES = (MOVED, GONE)


class RedirectError(ValueError):
    """A redirect that cannot be saved, with a message for the person making it."""


def normalise_source(path: str, query: Mapping[str, str] | None = None) -> str:
    """The key a path is stored and looked up by.

    >>> normalise_source("/2013/01/%CE%B1/", {"utm_source": "x"})
    '/2013/01/α'
    >>> normalise_source("/", {"p": "12", "utm_medium": "y"})
    '/?p=12'
    >>> normalise_source("/", {"feed": "rss2", "cat": "4"})
    '/?cat=4&feed=rss2'
    """
    path = unquote(path or "/").strip()
    if not path.startswith("/"):
        path = "/" + path
    while "//" in path:
        path = path.replace("//", "/")
    path = path.rstrip("/") or "/"
    key = path.casefold()
    if query:
        for name in WORDPRESS_QUERY_KEYS:
            value = query.get(name)
            if value:
                key = f"{key}?{name}={value.strip().casefold()}"
                feed = query.get("feed") if name != "feed" else None
                # An archive's feed (?cat=4&feed=rss2) is an address of its own.
                return f"{key}&feed={feed.strip().casefold()}" if feed else key
    return key


def source_from_url(url: str) -> str:
    """The normalised key of a full or site-relative URL."""
    parts = urlsplit(url.strip())
    query: dict[str, str] = {}
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name and name not in query:
            query[unquote(name)] = unquote(value)
    return normalise_source(parts.path or "/", query)


def check_target(target: str) -> str:
    """A redirect target is a site path or an http(s) URL; anything else is refused."""
    target = target.strip()
    if not target:
        raise RedirectError("Enter where the old address should lead.")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https") and urlsplit(target).netloc:
        return target
    raise RedirectError("The target must be a path on this site (/...) or an http(s) address.")


def find(path: str, query: Mapping[str, str]) -> Redirect | None:
    """The redirect for a request, counting the hit; one indexed lookup."""
    if has_control_characters(path) or any(
        has_control_characters(k) or has_control_characters(v) for k, v in query.items()
    ):
        return None  # no stored source has them (forms refuse them; PostgreSQL cannot hold NUL)
    keys = [normalise_source(path, query)]
    if "feed" in query:  # no redirect for that feed: the content it belongs to, then the path
        keys.append(normalise_source(path, {k: v for k, v in query.items() if k != "feed"}))
    keys.append(normalise_source(path))
    keys = list(dict.fromkeys(keys))
    rows = {
        r.source: r for r in db.session.scalars(select(Redirect).where(Redirect.source.in_(keys)))
    }
    redirect = next((rows[k] for k in keys if k in rows), None)
    if redirect is not None:
        db.session.execute(
            update(Redirect)
            .where(Redirect.id == redirect.id)
            .values(hits=Redirect.hits + 1, last_hit_at=utcnow())
        )
        db.session.commit()
    return redirect


@dataclass
class RedirectChange:
    source: str
    target: str
    status_code: int = MOVED


def save_redirect(
    redirect: Redirect | None,
    source: str,
    target: str,
    status_code: int = MOVED,
    origin: str = "manual",
) -> Redirect:
    """Create or change a redirect from the staff screen (the caller commits)."""
    if status_code not in CODES:
        raise RedirectError("Choose 301 (moved) or 410 (gone).")
    key = source_from_url(source) if source.strip() else ""
    if not key or key == "/":
        raise RedirectError("Enter the old address (a path such as /2014/05/old-post/).")
    target = "" if status_code == GONE else check_target(target)
    if target and source_from_url(target) == key:
        raise RedirectError("An address cannot redirect to itself.")
    clash = db.session.scalar(select(Redirect).where(Redirect.source == key))
    if clash is not None and (redirect is None or clash.id != redirect.id):
        raise RedirectError("There is already a redirect for this old address.")
    if redirect is None:
        redirect = Redirect(origin=origin, hits=0)
        db.session.add(redirect)
    redirect.source = key
    redirect.target = target
    redirect.status_code = status_code
    return redirect


def search(term: str = "") -> object:
    """Redirects for the staff list, newest first, optionally filtered by a substring."""
    query = select(Redirect).order_by(Redirect.created_at.desc(), Redirect.id.desc())
    term = term.strip()
    if term:
        like = f"%{term.casefold()}%"
        query = query.where(
            or_(func.lower(Redirect.source).like(like), func.lower(Redirect.target).like(like))
        )
    return query


def moved(old_path: str, new_path: str, origin: str) -> None:
    """Content moved from ``old_path`` to ``new_path``: redirect the old address, no chains.

    Earlier redirects that led to the old address now lead straight to the new one, and a
    redirect standing on the new address is removed (live content answers there now).
    """
    old_key, new_key = normalise_source(old_path), normalise_source(new_path)
    if old_key == new_key:
        return
    db.session.execute(
        update(Redirect)
        .where(
            func.lower(Redirect.target).in_([old_path.casefold(), old_path.rstrip("/").casefold()])
        )
        .values(target=new_path)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(Redirect.__table__.delete().where(Redirect.source == new_key))
    existing = db.session.scalar(select(Redirect).where(Redirect.source == old_key))
    if existing is None:
        db.session.add(
            Redirect(source=old_key, target=new_path, status_code=MOVED, origin=origin, hits=0)
        )
    else:
        existing.target, existing.status_code = new_path, MOVED


def existing_sources(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(db.session.scalars(select(Redirect.source).where(Redirect.source.in_(chunk))))
    return found


# ---------------------------------------------------------------------------------------------
# A published post or page whose address changes leaves a redirect behind, whoever changed it
# (post form, page form, a script): watched at flush time, so no save path can forget it.


def _old_value(state, name: str):
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(state.obj(), name)


def post_path(slug: str, published_at, timezone: str | None = None) -> str | None:
    """``/yyyy/mm/dd/slug/`` in the site's timezone (pass ``timezone`` to skip the lookup)."""
    from app.content.dates import to_site_time
    from app.content.settings import get_setting

    if not slug or published_at is None:
        return None
    local = to_site_time(published_at, timezone or get_setting("site_timezone"))
    return f"/{local.year}/{local.month:02d}/{local.day:02d}/{slug}/"


def _page_path(slug: str, parent_id: int | None, session: Session) -> str | None:
    if not slug:
        return None
    parts = [slug]
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen and len(seen) < 50:
        seen.add(parent_id)
        parent = session.get(Page, parent_id)
        if parent is None:
            break
        parts.append(parent.slug)
        parent_id = parent.parent_id
    return "/" + "/".join(reversed(parts)) + "/"


def install_listeners() -> None:
    """Leave a redirect behind whenever a published address changes, whoever saves it.
    Called by ``create_app`` (``register_model_hooks``)."""
    listen_once(Session, "before_flush", _redirect_changed_addresses)


def _redirect_changed_addresses(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty):
        if isinstance(obj, Post):
            state = attributes.instance_state(obj)
            changed = any(state.attrs[n].history.has_changes() for n in ("slug", "published_at"))
            if not changed or _old_value(state, "status") != PostStatus.PUBLISHED:
                continue
            old = post_path(_old_value(state, "slug"), _old_value(state, "published_at"))
            new = post_path(obj.slug, obj.published_at)
            if old and new and old != new:
                with session.no_autoflush:
                    moved(old, new, "address change")
        elif isinstance(obj, Page):
            state = attributes.instance_state(obj)
            changed = any(state.attrs[n].history.has_changes() for n in ("slug", "parent_id"))
            if not changed or _old_value(state, "status") != PostStatus.PUBLISHED:
                continue
            with session.no_autoflush:
                old = _page_path(_old_value(state, "slug"), _old_value(state, "parent_id"), session)
                new = _page_path(obj.slug, obj.parent_id, session)
                if old and new and old != new:
                    moved(old, new, "address change")
