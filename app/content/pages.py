"""Standing pages (About us, Contact ...): saving, nesting and finding them by their path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import load_only

from app.content.audit import Actor
from app.content.permissions import require
from app.content.rendering import render_markdown
from app.content.revisions import record_revision
from app.content.slugs import (
    SlugTaken,
    page_slug_base,
    page_slug_problem,
    save_with_unique_slug,
    slugify,
)
from app.content.text import page_excerpt
from app.content.trees import descendant_ids
from app.content.visibility import public_page_clauses
from app.extensions import db, listen_once
from app.models import Page, PageStatus, User

PAGE_SLUG_TAKEN = "Another page already uses this address."


class PageError(ValueError):
    """A page change that breaks the rules, with a message for the person making it.

    ``field`` names the form field the message belongs to ("slug"), or is None.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class PageDraft:
    title: str
    body_source: str
    slug: str = ""
    parent_id: int | None = None
    menu_order: int = 0
    status: str = PageStatus.DRAFT.value  # pages are drafts or published, nothing else
    language: str = "en"
    featured_media_id: int | None = None  # a media library image (see app/media/library.py)
    seo_title: str = ""
    seo_description: str = ""
    noindex: bool = False


def save_page(
    page: Page | None, draft: PageDraft, *, by: Actor, author: User | None = None
) -> Page:
    """Create (``page`` None) or update a page as ``by`` and keep a revision; flushed.

    Raises :class:`NotAllowed` unless ``by`` manages pages, :class:`PageError` for a rule.
    """
    require(by, "manage_pages")
    if page is None:
        author = author or by.user
        page = Page(author_id=author.id if author else None, slug="")
    if (
        draft.parent_id is not None
        and page.id is not None
        and (draft.parent_id == page.id or draft.parent_id in descendant_page_ids(page.id))
    ):
        raise PageError("A page cannot be placed under itself or one of its sub-pages.")
    if draft.status not in list(PageStatus):
        raise PageError("A page is either a draft or published.", field="status")
    requested = slugify(draft.slug) if draft.slug.strip() else ""
    if requested:
        problem = page_slug_problem(requested)
        if problem:
            raise PageError(problem, field="slug")
    page.title = draft.title.strip()
    page.body_source = draft.body_source
    page.body_html = render_markdown(draft.body_source)
    page.parent_id = draft.parent_id
    page.menu_order = draft.menu_order
    page.status = draft.status
    page.language = draft.language
    page.featured_media_id = draft.featured_media_id
    page.seo_title = draft.seo_title.strip() or None
    page.seo_description = draft.seo_description.strip() or None
    page.noindex = draft.noindex
    try:
        if requested or page.slug:
            save_with_unique_slug(page, requested or page.slug, fixed=True)
        else:
            save_with_unique_slug(page, page_slug_base(page.title))
    except SlugTaken:
        raise PageError(PAGE_SLUG_TAKEN, field="slug") from None
    record_revision(page, by.user)
    return page


def descendant_page_ids(page_id: int) -> set[int]:
    """Ids of every page below ``page_id`` (one query for the whole tree)."""
    return descendant_ids(db.session.execute(select(Page.id, Page.parent_id)), page_id)


def page_path(page: Page, pages_by_id: dict[int, Page] | None = None) -> str:
    """``/about/team/`` for a page ``team`` under ``about``."""
    slugs = []
    node: Page | None = page
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        slugs.append(node.slug)
        if node.parent_id is None:
            break
        node = pages_by_id.get(node.parent_id) if pages_by_id else node.parent
    return "/" + "/".join(reversed(slugs)) + "/"


def find_page_by_path(path: str) -> Page | None:
    """Resolve ``about/team`` to the page ``team`` whose parent is ``about`` (one query)."""
    slugs = [part for part in path.strip("/").split("/") if part]
    if not slugs:
        return None
    candidates = {p.slug: p for p in db.session.scalars(_pages_by_slug(), {"slugs": slugs})}
    parent_id = None
    page = None
    for slug in slugs:
        page = candidates.get(slug)
        if page is None or page.parent_id != parent_id:
            return None
        parent_id = page.id
    return page


def child_pages(page: Page) -> list[Page]:
    """The public sub-pages of ``page``, as its page lists them: titles and addresses only
    (their bodies are never read here; any other column raises if read)."""
    return list(db.session.scalars(_child_pages(), {"parent_id": page.id}))


# Built once and run with each request's values (see app.content.listing ``Query``).


@lru_cache(maxsize=1)
def _pages_by_slug() -> Select:
    return select(Page).where(Page.slug.in_(bindparam("slugs", expanding=True)))


@lru_cache(maxsize=1)
def _child_pages() -> Select:
    return (
        select(Page)
        .where(Page.parent_id == bindparam("parent_id"), *public_page_clauses())
        .order_by(Page.menu_order, Page.title)
        .options(
            load_only(Page.id, Page.title, Page.slug, Page.parent_id, Page.language, raiseload=True)
        )
    )


def delete_page(page: Page, *, by: Actor) -> None:
    """Remove a page as ``by``; its sub-pages move up to its parent."""
    require(by, "manage_pages")
    for child in db.session.scalars(select(Page).where(Page.parent_id == page.id)):
        child.parent_id = page.parent_id
    db.session.flush()
    db.session.delete(page)
    db.session.flush()


def _keep_excerpt(page: Page, html: str | None, _old, _initiator) -> None:
    page.excerpt = page_excerpt(html)


def install_listeners() -> None:
    """Called by ``create_app`` (``register_model_hooks``): whoever sets a page's HTML (the
    editor, a restored revision, a media change rewriting its pictures), its excerpt follows in
    the same flush. Bulk writers (the WordPress importer) set both themselves."""
    listen_once(Page.body_html, "set", _keep_excerpt)
