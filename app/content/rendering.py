"""Markdown to safe HTML.

:func:`render_markdown` is meant to be called once, when a post is saved; store
its result next to the source and serve that. Never call it per request: the
Markdown parse plus sanitising is far too slow for the hot path.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["render_markdown"]


# CommonMark with raw HTML enabled: authors may embed HTML, and imported
# WordPress content is HTML. Everything the parser emits goes through
# sanitize_html, so enabling raw HTML here does not widen what reaches readers.
# (MarkdownIt instances hold no per-render state, so one shared instance is fine.)
# linkify turns bare addresses (https://example.org, www.example.org) into links; it needs the
# linkify-it-py package (the markdown-it-py[linkify] extra).
# Built on first use: markdown-it, linkify and the sanitiser (bleach, html5lib) take some 5 MB
# that workers serving pages never need.
@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": True, "linkify": True})
        .enable("table")
        .enable("strikethrough", ignoreInvalid=True)
        .enable("linkify")
    )


def render_markdown(source: str | None) -> str:
    """Render CommonMark (+ tables, strikethrough) to sanitised HTML; ``""`` for empty input.

    ``# Heading`` becomes ``<h2>``: the post title is the page's only ``<h1>``
    and the sanitiser does not allow ``h1``, which would otherwise leave the
    heading as bare text. Table column alignment is lost: markdown-it emits it
    as a ``style`` attribute, which the sanitiser never allows.
    """
    if not source:
        return ""
    from app.content.sanitize import sanitize_html

    markdown = _markdown()
    env: dict[str, object] = {}
    tokens = markdown.parse(source, env)
    for token in tokens:
        if token.tag == "h1" and token.type in ("heading_open", "heading_close"):
            token.tag = "h2"
    return sanitize_html(markdown.renderer.render(tokens, markdown.options, env))
