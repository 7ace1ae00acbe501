"""RSS 2.0 and Atom feeds, written with feedgen (app.content.feeds chooses the posts).

``/feed/`` is RSS (the address WordPress sites and their subscribers already use) and
``/feed/atom/`` Atom; the same pair exists for each category, tag and author archive, and every
one takes ``?lang=de``. ETag, Last-Modified and 304 answers come from app/caching/http.py like
for every public page, which is what polling feed readers need.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urljoin

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from flask import Response, abort, current_app, request, url_for
from lxml import etree

from app.caching.fragments import while_equal
from app.content.archives import find_archive
from app.content.feeds import FeedPost, feed_posts
from app.content.languages import is_valid_language
from app.content.settings import get_setting
from app.media.library import social_image
from app.models import utcnow
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


def _render(posts: list[FeedPost], *, atom: bool, title: str, page_url: str, self_url: str):
    home = url_for("public.home", _external=True)
    root = home.rstrip("/")  # the site's address, with the script root
    host = home[: len(home) - len(url_for("public.home"))]  # scheme and host alone
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
    # Each entry is written once per worker and kept while the post and what its links are
    # made of stay equal (the kept post is compared, body included: no hashing of bodies).
    made_of = (atom, root, host, get_setting("site_timezone"), current_app.config["MEDIA_URL"])
    entries = [
        while_equal(
            (*made_of, post.id),
            post,
            partial(_entry_xml, post, atom=atom, root=root, host=host),
            store="broadside.feed_entries",
            limit=KEPT_ENTRIES,
        )
        for post in posts
    ]
    body = feed.atom_str(pretty=False) if atom else feed.rss_str(pretty=False)
    closing = b"</feed>" if atom else b"</channel>"
    head, tail = body.rsplit(closing, 1)
    body = b"".join((head, *entries, closing, tail))
    return Response(body, content_type=ATOM_TYPE if atom else RSS_TYPE)


# Entries kept per worker: a few feeds' worth (site, languages, archives, RSS and Atom). Each
# holds its post's body twice (the post compared, the XML written), some 2 x 5-30 KB.
KEPT_ENTRIES = 120
# The namespaces feedgen declares on <rss> (content:encoded, dc:creator, atom:link): an entry
# written on its own declares them again on its <item>, which the feed already does.
_RSS_NAMESPACES = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_ITEM_DECLARATIONS = re.compile(rb'^<item(?: xmlns:\w+="[^"]*")*>')


def _entry_xml(post: FeedPost, *, atom: bool, root: str, host: str) -> bytes:
    """One ``<item>`` (RSS) or ``<entry>`` (Atom) as feedgen writes it inside its feed."""
    entry = FeedEntry()
    link = host + post_url(post)
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(post.title)
    entry.link(href=link)
    entry.published(post.published_at)
    entry.updated(max(post.updated_at, post.published_at))
    author = post.byline_name or post.author_name
    if atom:
        if author:
            entry.author(name=author)
    else:
        entry.load_extension("dc")
        if author:
            entry.dc.dc_creator(author)
    entry.summary(post.excerpt or post.title)
    entry.content(absolute_urls(post.body_html, root), type="CDATA" if not atom else "html")
    for category in post.categories:
        entry.category(term=category.slug, label=category.name,
                       scheme=host + category_url(category))  # fmt: skip
    image = social_image(post.featured_media)
    if image is not None:
        url = urljoin(root + "/", image["url"])
        size = _bytes_of(post.featured_media, image)
        entry.enclosure(url, str(size), image["type"])
    if atom:  # Atom's elements are in no namespace until the feed's xmlns="..." takes them in
        return etree.tostring(entry.atom_entry(), encoding="UTF-8", xml_declaration=False)
    # Written inside an <rss> with feedgen's prefixes, so they stay "content:" and "dc:".
    channel = etree.SubElement(etree.Element("rss", nsmap=_RSS_NAMESPACES), "channel")
    channel.append(entry.rss_entry())
    written = etree.tostring(channel[0], encoding="UTF-8", xml_declaration=False)
    return _ITEM_DECLARATIONS.sub(b"<item>", written, count=1)


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
