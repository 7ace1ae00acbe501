"""Build small WordPress exports (WXR) for the importer's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class WxrPost:
    old_id: int
    title: str
    content: str = ""
    slug: str = ""
    post_type: str = "post"
    status: str = "publish"
    date: str = "2020-03-04 10:00:00"
    date_gmt: str | None = None  # defaults to ``date`` (a UTC site)
    creator: str = "alice"
    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    tags: list[tuple[str, str]] = field(default_factory=list)
    extra_terms: list[tuple[str, str, str]] = field(default_factory=list)  # (domain, slug, name)
    excerpt: str = ""
    password: str = ""
    sticky: bool = False
    parent: int = 0
    menu_order: int = 0
    link: str | None = None
    attachment_url: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def wxr(
    posts: list[WxrPost],
    *,
    site: str = "https://old.example.org",
    version: str = "1.2",
    scheme: str = "http",
    authors: list[tuple[str, str, str]] | None = None,  # (login, email, display name)
    categories: list[tuple[str, str, str, str]] | None = None,  # (id, slug, name, parent slug)
    tags: list[tuple[str, str, str]] | None = None,  # (id, slug, name)
    list_authors: bool = True,
) -> str:
    ns = f"{scheme}://wordpress.org/export/{version}/"
    authors = authors if authors is not None else [("alice", "alice@old.example.org", "Alice")]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<rss version="2.0" xmlns:excerpt="{ns}excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:wp="{ns}">',
        "<channel>",
        "<title>Old site</title>",
        f"<link>{site}</link>",
        f"<wp:wxr_version>{version}</wp:wxr_version>",
        f"<wp:base_site_url>{site}</wp:base_site_url>",
        f"<wp:base_blog_url>{site}</wp:base_blog_url>",
    ]
    if list_authors:
        for n, (login, email, name) in enumerate(authors, start=1):
            parts.append(
                f"<wp:author><wp:author_id>{n}</wp:author_id>"
                f"<wp:author_login>{cdata(login)}</wp:author_login>"
                f"<wp:author_email>{cdata(email)}</wp:author_email>"
                f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
                "</wp:author>"
            )
    for term_id, slug, name, parent in categories or []:
        parts.append(
            f"<wp:category><wp:term_id>{term_id}</wp:term_id>"
            f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
            f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>"
        )
    for term_id, slug, name in tags or []:
        parts.append(
            f"<wp:tag><wp:term_id>{term_id}</wp:term_id><wp:tag_slug>{cdata(slug)}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>"
        )
    for post in posts:
        parts.append(item(post, site))
    parts += ["</channel>", "</rss>"]
    return "\n".join(parts)


def item(post: WxrPost, site: str = "https://old.example.org") -> str:
    link = post.link if post.link is not None else f"{site}/?p={post.old_id}"
    terms = (
        "".join(
            f'<category domain="category" nicename="{escape(s)}">{cdata(n)}</category>'
            for s, n in post.categories
        )
        + "".join(
            f'<category domain="post_tag" nicename="{escape(s)}">{cdata(n)}</category>'
            for s, n in post.tags
        )
        + "".join(
            f'<category domain="{d}" nicename="{escape(s)}">{cdata(n)}</category>'
            for d, s, n in post.extra_terms
        )
    )
    meta = "".join(
        f"<wp:postmeta><wp:meta_key>{cdata(k)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(v)}</wp:meta_value></wp:postmeta>"
        for k, v in post.meta.items()
    )
    gmt = post.date if post.date_gmt is None else post.date_gmt
    return (
        "<item>"
        f"<title>{escape(post.title)}</title>"
        f"<link>{escape(link)}</link>"
        f"<dc:creator>{cdata(post.creator)}</dc:creator>"
        f"<content:encoded>{cdata(post.content)}</content:encoded>"
        f"<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>"
        f"<wp:post_id>{post.old_id}</wp:post_id>"
        f"<wp:post_date>{cdata(post.date)}</wp:post_date>"
        f"<wp:post_date_gmt>{cdata(gmt)}</wp:post_date_gmt>"
        f"<wp:post_name>{cdata(post.slug)}</wp:post_name>"
        f"<wp:status>{cdata(post.status)}</wp:status>"
        f"<wp:post_parent>{post.parent}</wp:post_parent>"
        f"<wp:menu_order>{post.menu_order}</wp:menu_order>"
        f"<wp:post_type>{cdata(post.post_type)}</wp:post_type>"
        f"<wp:post_password>{cdata(post.password)}</wp:post_password>"
        f"<wp:is_sticky>{int(post.sticky)}</wp:is_sticky>"
        + (
            f"<wp:attachment_url>{cdata(post.attachment_url)}</wp:attachment_url>"
            if post.attachment_url
            else ""
        )
        + terms
        + meta
        + "</item>"
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
