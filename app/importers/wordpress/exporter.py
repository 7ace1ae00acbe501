"""Export the whole site as a WordPress eXtended RSS 1.2 file, so nobody is locked in.

The file is written as a stream (posts are read in batches, bodies never all in memory) in the
format WordPress's own exporter writes, which its importer and Broadside's importer both read.

Bodies are exported as the stored, sanitised HTML inside a "Custom HTML" block
(``<!-- wp:html -->``): WordPress then shows them exactly as they are instead of running its
paragraph filter over HTML that already has paragraphs, and an import back into Broadside gives
the same body byte for byte.

Post ids: WordPress ids are unique across posts and pages, ours are per table, so a post ``n``
is exported as ``2n`` and a page ``n`` as ``2n + 1`` (stable from one export to the next, so
re-importing a newer export updates instead of duplicating).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.content.dates import to_site_time
from app.content.pages import page_path
from app.content.settings import get_setting
from app.extensions import db
from app.models import (
    Category,
    Page,
    PageStatus,
    Post,
    PostStatus,
    Tag,
    User,
    post_categories,
    utcnow,
)

WP_NS = "http://wordpress.org/export/1.2/"
BATCH = 500


def post_export_id(post_id: int) -> int:
    return 2 * post_id


def page_export_id(page_id: int) -> int:
    return 2 * page_id + 1


def _cdata(text: str | None) -> str:
    text = text or ""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _wp_date(moment: datetime | None, timezone: str | None = None) -> str:
    if moment is None:
        return "0000-00-00 00:00:00"
    local = to_site_time(moment, timezone) if timezone else moment.astimezone(UTC)
    return local.strftime("%Y-%m-%d %H:%M:%S")


def _wp_slug(slug: str) -> str:
    """WordPress keeps non-ASCII slugs percent-encoded, in lower case."""
    return quote(slug, safe="-_.~").lower() if not slug.isascii() else slug


def _body(html: str) -> str:
    return f"<!-- wp:html -->{html}<!-- /wp:html -->" if html else ""


class _Writer:
    def __init__(self, out: TextIO, base_url: str) -> None:
        self.out = out
        self.base = base_url.rstrip("/")
        self.timezone = get_setting("site_timezone")
        self.now = utcnow()

    def w(self, text: str) -> None:
        self.out.write(text)
        self.out.write("\n")

    def header(self) -> None:
        self.w('<?xml version="1.0" encoding="UTF-8" ?>')
        self.w("<!-- A WordPress eXtended RSS file (WXR 1.2) exported by Broadside. -->")
        self.w(
            '<rss version="2.0" '
            f'xmlns:excerpt="{WP_NS}excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:wp="{WP_NS}">'
        )
        self.w("<channel>")
        self.w(f"\t<title>{escape(get_setting('site_title'))}</title>")
        self.w(f"\t<link>{escape(self.base)}</link>")
        self.w(f"\t<description>{escape(get_setting('site_tagline'))}</description>")
        self.w(f"\t<pubDate>{format_datetime(self.now)}</pubDate>")
        self.w(f"\t<language>{escape(get_setting('site_language'))}</language>")
        self.w("\t<wp:wxr_version>1.2</wp:wxr_version>")
        self.w(f"\t<wp:base_site_url>{escape(self.base)}</wp:base_site_url>")
        self.w(f"\t<wp:base_blog_url>{escape(self.base)}</wp:base_blog_url>")

    def authors(self) -> dict[int, str]:
        logins: dict[int, str] = {}
        for user in db.session.scalars(select(User).order_by(User.id)):
            login = user.slug or f"user-{user.id}"
            logins[user.id] = login
            self.w("\t<wp:author>")
            self.w(f"\t\t<wp:author_id>{user.id}</wp:author_id>")
            self.w(f"\t\t<wp:author_login>{_cdata(login)}</wp:author_login>")
            email = "" if user.email.endswith("@imported.invalid") else user.email
            self.w(f"\t\t<wp:author_email>{_cdata(email)}</wp:author_email>")
            self.w(
                f"\t\t<wp:author_display_name>{_cdata(user.display_name)}</wp:author_display_name>"
            )
            self.w(f"\t\t<wp:author_first_name>{_cdata('')}</wp:author_first_name>")
            self.w(f"\t\t<wp:author_last_name>{_cdata('')}</wp:author_last_name>")
            self.w("\t</wp:author>")
        return logins

    def terms(self) -> tuple[dict[int, Category], dict[int, Tag]]:
        categories = {c.id: c for c in db.session.scalars(select(Category).order_by(Category.id))}
        written: set[int] = set()

        def write(category: Category) -> None:
            if category.id in written:
                return
            parent = categories.get(category.parent_id) if category.parent_id else None
            if parent is not None:
                write(parent)  # WordPress wants parents before children
            written.add(category.id)
            self.w("\t<wp:category>")
            self.w(f"\t\t<wp:term_id>{category.id}</wp:term_id>")
            self.w(
                f"\t\t<wp:category_nicename>{_cdata(_wp_slug(category.slug))}</wp:category_nicename>"
            )
            parent_slug = _wp_slug(parent.slug) if parent else ""
            self.w(f"\t\t<wp:category_parent>{_cdata(parent_slug)}</wp:category_parent>")
            self.w(f"\t\t<wp:cat_name>{_cdata(category.name)}</wp:cat_name>")
            self.w(
                f"\t\t<wp:category_description>{_cdata(category.description)}</wp:category_description>"
            )
            self.w("\t</wp:category>")

        for category in categories.values():
            write(category)
        tags = {t.id: t for t in db.session.scalars(select(Tag).order_by(Tag.id))}
        for tag in tags.values():
            self.w("\t<wp:tag>")
            self.w(f"\t\t<wp:term_id>{tag.id}</wp:term_id>")
            self.w(f"\t\t<wp:tag_slug>{_cdata(_wp_slug(tag.slug))}</wp:tag_slug>")
            self.w(f"\t\t<wp:tag_name>{_cdata(tag.name)}</wp:tag_name>")
            self.w(f"\t\t<wp:tag_description>{_cdata(tag.description)}</wp:tag_description>")
            self.w("\t</wp:tag>")
        return categories, tags

    def item(
        self,
        *,
        export_id: int,
        title: str,
        link: str,
        creator: str,
        content: str,
        excerpt: str,
        created: datetime | None,
        published: datetime | None,
        status: str,
        slug: str,
        post_type: str,
        parent: int = 0,
        menu_order: int = 0,
        password: str = "",
        sticky: bool = False,
        terms: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        when = published or created
        self.w("\t<item>")
        self.w(f"\t\t<title>{escape(title)}</title>")
        self.w(f"\t\t<link>{escape(link)}</link>")
        self.w(f"\t\t<pubDate>{format_datetime(when) if when else ''}</pubDate>")
        self.w(f"\t\t<dc:creator>{_cdata(creator)}</dc:creator>")
        self.w(f'\t\t<guid isPermaLink="false">{escape(self.base)}/?p={export_id}</guid>')
        self.w("\t\t<description></description>")
        self.w(f"\t\t<content:encoded>{_cdata(content)}</content:encoded>")
        self.w(f"\t\t<excerpt:encoded>{_cdata(excerpt)}</excerpt:encoded>")
        self.w(f"\t\t<wp:post_id>{export_id}</wp:post_id>")
        self.w(f"\t\t<wp:post_date>{_cdata(_wp_date(when, self.timezone))}</wp:post_date>")
        gmt = _wp_date(when) if status != "draft" or published else "0000-00-00 00:00:00"
        if status == "draft" and when is not None:
            gmt = _wp_date(when)
        self.w(f"\t\t<wp:post_date_gmt>{_cdata(gmt)}</wp:post_date_gmt>")
        self.w(f"\t\t<wp:comment_status>{_cdata('closed')}</wp:comment_status>")
        self.w(f"\t\t<wp:ping_status>{_cdata('closed')}</wp:ping_status>")
        self.w(f"\t\t<wp:post_name>{_cdata(_wp_slug(slug))}</wp:post_name>")
        self.w(f"\t\t<wp:status>{_cdata(status)}</wp:status>")
        self.w(f"\t\t<wp:post_parent>{parent}</wp:post_parent>")
        self.w(f"\t\t<wp:menu_order>{menu_order}</wp:menu_order>")
        self.w(f"\t\t<wp:post_type>{_cdata(post_type)}</wp:post_type>")
        self.w(f"\t\t<wp:post_password>{_cdata(password)}</wp:post_password>")
        self.w(f"\t\t<wp:is_sticky>{int(sticky)}</wp:is_sticky>")
        for domain, nicename, name in terms:
            self.w(
                f"\t\t<category domain={quoteattr(domain)} nicename={quoteattr(_wp_slug(nicename))}>"
                f"{_cdata(name)}</category>"
            )
        self.w("\t</item>")

    def footer(self) -> None:
        self.w("</channel>")
        self.w("</rss>")


def _post_status(post: Post, now: datetime) -> str:
    if post.status == PostStatus.PUBLISHED:
        return "future" if post.published_at and post.published_at > now else "publish"
    return {"draft": "draft", "pending": "pending", "private": "private"}.get(post.status, "draft")


def export_wordpress(out_path: str | Path, base_url: str = "") -> dict[str, int]:
    """Write the whole site to ``out_path``; return how many of each kind were written."""
    from app.content.redirects import post_path

    base_url = base_url or "http://localhost"
    counts = {"authors": 0, "categories": 0, "tags": 0, "posts": 0, "pages": 0}
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".part")
    with tmp.open("w", encoding="utf-8") as out:
        writer = _Writer(out, base_url)
        writer.header()
        logins = writer.authors()
        counts["authors"] = len(logins)
        categories, tags = writer.terms()
        counts["categories"], counts["tags"] = len(categories), len(tags)
        pages = {p.id: p for p in db.session.scalars(select(Page).order_by(Page.id))}
        timezone = writer.timezone
        last_id = 0
        while True:
            batch = list(
                db.session.scalars(
                    select(Post)
                    .where(Post.id > last_id)
                    .order_by(Post.id)
                    .limit(BATCH)
                    .options(selectinload(Post.categories), selectinload(Post.tags))
                )
            )
            if not batch:
                break
            for post in batch:
                terms = [("category", c.slug, c.name) for c in post.categories]
                terms += [("post_tag", t.slug, t.name) for t in post.tags]
                terms.append(("language", post.language, post.language))
                writer.item(
                    export_id=post_export_id(post.id),
                    title=post.title,
                    link=base_url.rstrip("/")
                    + (post_path(post.slug, post.published_at or post.created_at, timezone) or "/"),
                    creator=logins.get(post.author_id, ""),
                    content=_body(post.body_html),
                    excerpt=post.custom_excerpt or "",
                    created=post.created_at,
                    published=post.published_at,
                    status=_post_status(post, writer.now),
                    slug=post.slug,
                    post_type="post",
                    password=post.password or "",
                    sticky=post.sticky,
                    terms=terms,
                )
                counts["posts"] += 1
            last_id = batch[-1].id
            db.session.expunge_all()
        for page in pages.values():
            writer.item(
                export_id=page_export_id(page.id),
                title=page.title,
                link=base_url.rstrip("/") + page_path(page, pages),
                creator=logins.get(page.author_id, "") if page.author_id else "",
                content=_body(page.body_html),
                excerpt="",
                created=page.created_at,
                published=page.created_at if page.status == PageStatus.PUBLISHED else None,
                status="publish" if page.status == PageStatus.PUBLISHED else "draft",
                slug=page.slug,
                post_type="page",
                parent=page_export_id(page.parent_id) if page.parent_id else 0,
                menu_order=page.menu_order,
                terms=[("language", page.language, page.language)],
            )
            counts["pages"] += 1
        writer.footer()
    tmp.replace(out_path)
    return counts


__all__ = ["export_wordpress", "post_categories"]
