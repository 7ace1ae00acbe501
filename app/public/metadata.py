"""Link previews and search-engine metadata for a page's head: OpenGraph, Twitter cards and
JSON-LD (schema.org ``NewsArticle``, ``WebPage`` and ``BreadcrumbList``).

Built here as plain data; the templates render it (``_partials/_social_meta.html``), JSON-LD
through ``|tojson`` so that nothing in a title can close the script element.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin

from flask import url_for

from app.content.settings import get_setting
from app.content.taxonomy import TermLink
from app.media.library import social_image
from app.models import Page, Post
from app.templating import category_url, page_url, post_url


def _locale(language: str) -> str:
    """``pt-BR`` -> ``pt_BR``; ``de`` -> ``de`` (OpenGraph's ``og:locale`` form)."""
    return language.replace("-", "_")


def _absolute(url: str) -> str:
    return urljoin(url_for("public.home", _external=True), url)


def _image(item) -> dict | None:
    image = social_image(item)
    if image is None:
        return None
    return {**image, "url": _absolute(image["url"])}


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def post_metadata(post: Post, categories: Sequence[TermLink], tags: Sequence[TermLink]) -> dict:
    """Everything a post page's head needs for previews and search engines (``categories`` and
    ``tags``: the post's, app.content.taxonomy.post_terms)."""
    site = get_setting("site_title")
    url = post_url(post, _external=True)
    description = post.seo_description or ("" if post.password else (post.excerpt or ""))
    title = post.seo_title or post.title
    image = _image(post.featured_media)
    author = post.byline_name or post.author.display_name
    og = [
        ("og:type", "article"),
        ("og:site_name", site),
        ("og:title", title),
        ("og:url", url),
        ("og:locale", _locale(post.language)),
        ("article:published_time", _iso(post.published_at)),
        ("article:modified_time", _iso(post.updated_at)),
        ("article:author", author),
    ]
    if description:
        og.append(("og:description", description))
    og += [("article:section", c.name) for c in categories[:1]]
    og += [("article:tag", t.name) for t in tags]
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title[:110],
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": post.language,
        "datePublished": _iso(post.published_at),
        "dateModified": _iso(max(post.updated_at, post.published_at or post.updated_at)),
        "author": [{"@type": "Person", "name": author}],
        "publisher": {
            "@type": "Organization",
            "name": site,
            "url": url_for("public.home", _external=True),
        },
    }
    if description:
        article["description"] = description
    if image:
        article["image"] = [image["url"]]
    crumbs = [("Home", url_for("public.home", _external=True))]
    if categories:
        crumbs.append((categories[0].name, category_url(categories[0], _external=True)))
    crumbs.append((post.title, url))
    return _finish(og, description, image, title, [article, _breadcrumbs(crumbs)], post.noindex)


def page_metadata(page: Page, parents: list[Page] | None = None) -> dict:
    site = get_setting("site_title")
    url = page_url(page, _external=True)
    description = page.seo_description or page.excerpt  # derived on save
    title = page.seo_title or page.title
    image = _image(page.featured_media)
    og = [
        ("og:type", "website"),
        ("og:site_name", site),
        ("og:title", title),
        ("og:url", url),
        ("og:locale", _locale(page.language)),
    ]
    if description:
        og.append(("og:description", description))
    webpage = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": title,
        "url": url,
        "inLanguage": page.language,
        "dateModified": _iso(page.updated_at),
        "publisher": {"@type": "Organization", "name": site},
    }
    crumbs = [("Home", url_for("public.home", _external=True))]
    crumbs += [(p.title, page_url(p, _external=True)) for p in parents or []]
    crumbs.append((page.title, url))
    return _finish(og, description, image, title, [webpage, _breadcrumbs(crumbs)], page.noindex)


def site_metadata(title: str = "") -> dict:
    """The home page and archives: the site itself."""
    site = get_setting("site_title")
    tagline = get_setting("site_tagline") or ""
    og = [
        ("og:type", "website"),
        ("og:site_name", site),
        ("og:title", title or site),
        ("og:locale", _locale(get_setting("site_language"))),
    ]
    if tagline:
        og.append(("og:description", tagline))
    return _finish(og, tagline, None, title or site, [])


def _breadcrumbs(crumbs: list[tuple[str, str]]) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": href}
            for n, (name, href) in enumerate(crumbs, start=1)
        ],
    }


def _finish(
    og: list,
    description: str,
    image: dict | None,
    title: str,
    json_ld: list,
    noindex: bool = False,
) -> dict:
    if image:
        og += [
            ("og:image", image["url"]),
            ("og:image:width", str(image["width"])),
            ("og:image:height", str(image["height"])),
            ("og:image:type", image["type"]),
        ]
        if image["alt"]:
            og.append(("og:image:alt", image["alt"]))
    twitter = [
        ("twitter:card", "summary_large_image" if image else "summary"),
        ("twitter:title", title),
    ]
    if description:
        twitter.append(("twitter:description", description))
    if image:
        twitter.append(("twitter:image", image["url"]))
        if image["alt"]:
            twitter.append(("twitter:image:alt", image["alt"]))
    return {
        "title": title,
        "noindex": noindex,
        "description": description,
        "og": [(k, v) for k, v in og if v],
        "twitter": twitter,
        "json_ld": json_ld,
    }
