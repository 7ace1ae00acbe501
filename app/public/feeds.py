"""RSS 2.0 and Atom feeds, written with feedgen (app.content.feeds chooses the posts).

``/feed/`` is RSS (the address WordPress sites and their subscribers already use) and
``/feed/atom/`` Atom; the same pair exists for each category, tag and author archive, and every
one takes ``?lang=de``. ETag, Last-Modified and 304 answers come from app/caching/http.py like
for every public page, which is what polling feed readers need.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator
from flask import Response, abort, request, url_for

from app.content.archives import find_archive
from app.content.feeds import feed_posts
from app.content.languages import is_valid_language
from app.content.settings import get_setting
from app.media.library import social_image
from app.models import Post, utcnow
from app.public.routes import ARCHIVE_ENDPOINTS, bp
from app.templating import category_url, post_url

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
_SITE_RELATIVE = re.compile(r'(\s(?:src|href|poster)=")/(?!/)')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


def absolute_urls(html: str, root: str) -> str:
    """Feed readers show a post away from the site: make its /paths absolute."""
    html = _SITE_RELATIVE.sub(lambda m: m.group(1) + root + "/", html)

    def fix_srcset(match: re.Match) -> str:
        parts = [p.strip() for p in match.group(2).split(",")]
        fixed = [root + p if p.startswith("/") and not p.startswith("//") else p for p in parts]
        return match.group(1) + ", ".join(fixed) + '"'

    return _SRCSET.sub(fix_srcset, html)


def _language() -> str | None:
    lang = request.args.get("lang", "").strip()[:35]
    return lang if lang and is_valid_language(lang) else None


def _render(posts: list[Post], *, atom: bool, title: str, page_url: str, self_url: str):
    root = url_for("public.home", _external=True).rstrip("/")
    site_title = get_setting("site_title")
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(f"{site_title} · {title}" if title else site_title)
    feed.subtitle(get_setting("site_tagline") or site_title)
    feed.link(href=page_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language(_language() or get_setting("site_language"))
    feed.author(name=site_title)
    feed.generator("Broadside")
    feed.updated(max((p.updated_at for p in posts), default=utcnow()))
    if not atom:
        feed.load_extension("dc")  # RSS <author> must be an email address; names go in dc:creator
    for post in reversed(posts):  # feedgen puts each new entry first
        entry = feed.add_entry()
        link = post_url(post, _external=True)
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(post.title)
        entry.link(href=link)
        entry.published(post.published_at)
        entry.updated(max(post.updated_at, post.published_at))
        author = post.byline_name or post.author.display_name
        if atom:
            entry.author(name=author)
        else:
            entry.dc.dc_creator(author)
        entry.summary(post.excerpt or post.title)
        entry.content(absolute_urls(post.body_html, root), type="CDATA" if not atom else "html")
        for category in post.categories:
            entry.category(term=category.slug, label=category.name,
                           scheme=category_url(category, _external=True))  # fmt: skip
        image = social_image(post.featured_media)
        if image is not None:
            url = urljoin(root + "/", image["url"])
            size = _bytes_of(post.featured_media, image)
            entry.enclosure(url, str(size), image["type"])
    body = feed.atom_str(pretty=False) if atom else feed.rss_str(pretty=False)
    return Response(body, content_type=ATOM_TYPE if atom else RSS_TYPE)


def _bytes_of(item, image: dict) -> int:
    """The size of the rendition ``social_image`` chose (RSS enclosures must give a length)."""
    for rendition in item.renditions or []:
        if image["url"].endswith(rendition.get("key", "\0")):
            return int(rendition.get("bytes") or 0)
    return int(item.file_size or 0)


def _self_url(endpoint: str, **values) -> str:
    lang = _language()
    if lang:
        values["lang"] = lang
    return url_for(endpoint, _external=True, **values)


@bp.route("/feed/")
def site_feed():
    return _site(atom=False)


@bp.route("/feed/atom/")
def site_feed_atom():
    return _site(atom=True)


def _site(atom: bool):
    posts = feed_posts(language=_language())
    endpoint = "public.site_feed_atom" if atom else "public.site_feed"
    return _render(
        posts,
        atom=atom,
        title="",
        page_url=url_for("public.home", _external=True),
        self_url=_self_url(endpoint),
    )


# The feeds of category, tag and author archives: the same posts as the archive page lists.
@bp.route("/<any(category, tag, author):kind>/<slug>/feed/")
def archive_feed(kind: str, slug: str):
    return _archive(kind, slug, atom=False)


@bp.route("/<any(category, tag, author):kind>/<slug>/feed/atom/")
def archive_feed_atom(kind: str, slug: str):
    return _archive(kind, slug, atom=True)


def _archive(kind: str, slug: str, atom: bool):
    found = find_archive(kind, slug)
    if found is None:
        abort(404)
    subject, posts_of = found
    posts = feed_posts(language=_language(), archive=posts_of)
    if not posts:
        abort(404)  # an archive without public posts (an account, a draft's tag) is not revealed
    endpoint = "public.archive_feed_atom" if atom else "public.archive_feed"
    return _render(
        posts,
        atom=atom,
        title=subject.display_name if kind == "author" else subject.name,
        page_url=url_for(ARCHIVE_ENDPOINTS[kind], slug=slug, _external=True),
        self_url=_self_url(endpoint, kind=kind, slug=slug),
    )
