"""WordPress post content to Broadside HTML, the way WordPress itself shows it.

WordPress stores what the author typed, and turns it into HTML only when a page is shown:
block-editor comments are dropped, classic (pre-block) content gets paragraphs from blank lines
(``wpautop``), and shortcodes such as ``[caption]`` and ``[gallery]`` are expanded. This module
does the same once, at import time, then hands the result to the project's one sanitiser.

Everything here is pure (no database, no Flask), so the importer can run it in worker processes.
Every regular expression is linear or bounded on hostile input: quantifiers are either over
disjoint character classes or capped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from app.content.sanitize import sanitize_html
from app.content.text import derive_excerpt, plain_text

# ---------------------------------------------------------------------------------------------
# wpautop: a port of WordPress's wp-includes/formatting.php wpautop() (GPL-2.0-or-later), rule
# for rule, so that classic content gets exactly the paragraphs it had on the old site.

_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form"
    r"|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside"
    r"|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_TAG_OR_COMMENT = re.compile(r"<!--.*?-->|<[^<>]*>", re.DOTALL)


def _replace_newlines_in_tags(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        return match.group(0).replace("\n", " <!-- wpnl --> ")

    return _TAG_OR_COMMENT.sub(repl, text)


def wpautop(text: str, br: bool = True) -> str:
    """Paragraphs from blank lines and ``<br />`` from single newlines, as WordPress does."""
    if not text.strip():
        return ""
    pre_tags: dict[str, str] = {}
    text = text + "\n"
    if "<pre" in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for i, part in enumerate(parts):
            start = part.find("<pre")
            if start == -1:
                text += part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(r"(<" + _ALLBLOCKS + r"[\s/>])", r"\n\n\1", text)
    text = re.sub(r"(</" + _ALLBLOCKS + r">)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _replace_newlines_in_tags(text)
    if "<option" in text:
        text = re.sub(r"\s*<option", "<option", text)
        text = re.sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = re.sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = re.sub(r"\s*</object>", "</object>", text)
        text = re.sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = re.sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = re.sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = re.sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = re.sub(r"</figcaption>\s*", "</figcaption>", text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", r"\1", text)
    text = re.sub(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = re.sub(
            r"<(script|style|svg|math).*?</\1>",
            lambda m: m.group(0).replace("\n", "<WPPreserveNewline />"),
            text,
            flags=re.DOTALL,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = re.sub(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text)
    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text


# ---------------------------------------------------------------------------------------------
# Shortcodes

# [name attrs]...[/name] or [name attrs] (self-closing or not); [[name]] is an escaped shortcode.
_SHORTCODE = re.compile(
    r"\[(\[?)([A-Za-z][\w-]{0,40})(?![\w-])([^\[\]]{0,2000}?)(/?)\]"
    r"(?:((?:(?!\[/\2\]).){0,200000}?)\[/\2\])?(\]?)",
    re.DOTALL,
)
_ATTR = re.compile(
    r'([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*\'([^\']*)\'|([\w-]+)\s*=\s*([^\s\'"]+)'
    r'|"([^"]*)"|(\S+)'
)


def shortcode_attrs(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    positional = 0
    for m in _ATTR.finditer(html.unescape(text.replace("\u00a0", " "))):
        if m.group(1):
            attrs[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            attrs[m.group(3).lower()] = m.group(4)
        elif m.group(5):
            attrs[m.group(5).lower()] = m.group(6)
        else:
            attrs[str(positional)] = m.group(7) if m.group(7) is not None else m.group(8)
            positional += 1
    return attrs


@dataclass
class Attachment:
    """What content conversion needs to know about one imported file."""

    url: str  # where the file is served now
    title: str = ""
    alt: str = ""
    caption: str = ""
    thumbnail_url: str = ""  # a smaller copy for galleries, if there is one


@dataclass
class ConversionContext:
    """Lookups shared by every post of one import (picklable, for worker processes)."""

    attachments: dict[int, Attachment] = field(default_factory=dict)
    # attachment ids by the post they were uploaded to, for [gallery] without ids
    attachments_by_parent: dict[int, list[int]] = field(default_factory=dict)
    # old file URL (any size) -> new URL; keys are normalised with _url_key()
    file_urls: dict[str, str] = field(default_factory=dict)


@dataclass
class Converted:
    html: str
    teaser: str = ""  # the text before <!--more-->, when there is one (plain text)
    unknown_shortcodes: Counter[str] = field(default_factory=Counter)
    gallery_ids: list[int] = field(default_factory=list)


def _esc(value: str) -> str:
    return html.escape(value, quote=True)


def _caption(attrs: dict[str, str], inner: str) -> str:
    inner = inner or ""
    caption = attrs.get("caption", "")
    if not caption:
        # Modern form: the caption is the text after the image (or its link).
        m = re.match(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", inner, re.DOTALL)
        if m:
            inner, caption = m.group(1), m.group(2).strip()
    return f"<figure>{inner.strip()}<figcaption>{caption}</figcaption></figure>"


def _gallery(attrs: dict[str, str], post_id: int, ctx: ConversionContext, out: Converted) -> str:
    ids: list[int] = []
    if attrs.get("ids"):
        ids = [int(x) for x in re.findall(r"\d+", attrs["ids"])]
    elif attrs.get("include"):
        ids = [int(x) for x in re.findall(r"\d+", attrs["include"])]
    else:
        ids = list(ctx.attachments_by_parent.get(post_id, []))
        exclude = {int(x) for x in re.findall(r"\d+", attrs.get("exclude", ""))}
        ids = [i for i in ids if i not in exclude]
    out.gallery_ids.extend(ids)
    figures = []
    for attachment_id in ids:
        attachment = ctx.attachments.get(attachment_id)
        if attachment is None:
            continue
        src = attachment.thumbnail_url or attachment.url
        img = f'<img src="{_esc(src)}" alt="{_esc(attachment.alt)}">'
        if attrs.get("link") != "none":
            img = f'<a href="{_esc(attachment.url)}">{img}</a>'
        caption = (
            f"<figcaption>{_esc(attachment.caption)}</figcaption>" if attachment.caption else ""
        )
        figures.append(f"<figure>{img}{caption}</figure>")
    if not figures:
        return ""
    return "<div>" + "".join(figures) + "</div>"


def _media_link(kind: str, attrs: dict[str, str], inner: str) -> str:
    """[audio]/[video]: the sanitiser allows no media elements, so a plain link to the file."""
    src = attrs.get("src") or ""
    if not src:
        for key in ("mp3", "m4a", "ogg", "wav", "wma", "mp4", "m4v", "webm", "ogv", "flv", "wmv"):
            if attrs.get(key):
                src = attrs[key]
                break
    if not src and inner:
        m = re.search(r"https?://\S+", inner)
        src = m.group(0) if m else ""
    if not src:
        return ""
    name = unquote(urlsplit(src).path.rsplit("/", 1)[-1]) or src
    label = "Listen" if kind == "audio" else "Watch"
    return f'<p><a href="{_esc(src)}">{label}: {_esc(name)}</a></p>'


def _embed_link(url: str) -> str:
    url = html.unescape(url.strip())
    return f'<p><a href="{_esc(url)}">{_esc(url)}</a></p>'


def _code(attrs: dict[str, str], inner: str) -> str:
    return f"<pre><code>{_esc(html.unescape(inner or ''))}</code></pre>"


# Shortcodes WordPress and common plugins use for layout only: their content is kept, the
# wrapper dropped.
_TRANSPARENT = frozenset({"column", "columns", "one_half", "one_third", "two_thirds", "row"})


def expand_shortcodes(text: str, post_id: int, ctx: ConversionContext, out: Converted) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) == "[" and m.group(6) == "]":  # [[escaped]] stays as typed, minus a bracket
            return m.group(0)[1:-1]
        name = m.group(2).lower()
        attrs = shortcode_attrs(m.group(3))
        inner = m.group(5)
        prefix, suffix = m.group(1), m.group(6)
        if name in ("caption", "wp_caption"):
            result = _caption(attrs, expand_shortcodes(inner or "", post_id, ctx, out))
        elif name == "gallery":
            result = _gallery(attrs, post_id, ctx, out)
        elif name == "embed":
            result = _embed_link(inner or attrs.get("src", "") or attrs.get("0", ""))
        elif name in ("audio", "video"):
            result = _media_link(name, attrs, inner or "")
        elif name in ("playlist", "wpvideo", "youtube", "vimeo"):
            target = attrs.get("0") or attrs.get("id") or attrs.get("src") or ""
            result = _embed_link(target) if target.startswith("http") else ""
            if not result:
                out.unknown_shortcodes[name] += 1
                return m.group(0)
        elif name in ("code", "sourcecode"):
            result = _code(attrs, inner or "")
        elif name in _TRANSPARENT:
            result = expand_shortcodes(inner or "", post_id, ctx, out)
        else:
            if _looks_like_shortcode(m):
                out.unknown_shortcodes[name] += 1
            if inner is None:
                return m.group(0)
            # Keep the tags as text but still expand known shortcodes inside.
            opening = m.group(0)[: m.start(5) - m.start(0)]
            return (
                opening
                + expand_shortcodes(inner, post_id, ctx, out)
                + f"[/{m.group(2)}]"
                + (m.group(6) or "")
            )
        return prefix + result + suffix

    if "[" not in text:
        return text
    return _SHORTCODE.sub(repl, text)


def _looks_like_shortcode(m: re.Match[str]) -> bool:
    """``[sic]`` or ``[1]`` in prose is not a shortcode; attributes or a closing tag make one."""
    return m.group(5) is not None or "=" in m.group(3) or bool(m.group(4))


# ---------------------------------------------------------------------------------------------
# Embeds: a URL alone on its line is an embed in WordPress (oEmbed).

_BARE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"']{1,2000})[ \t]*$", re.MULTILINE)
_BLOCK_EMBED = re.compile(
    r"<figure\b[^>]*wp-block-embed[^>]*>\s*<div\b[^>]*>\s*(https?://[^\s<]+)\s*</div>"
    r"(.*?)</figure>",
    re.DOTALL,
)


def _bare_urls_to_links(text: str) -> str:
    return _BARE_URL_LINE.sub(lambda m: _embed_link(m.group(1)), text)


def _block_embeds(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        caption = re.search(r"<figcaption[^>]*>.*?</figcaption>", m.group(2), re.DOTALL)
        url = html.unescape(m.group(1))
        link = f'<a href="{_esc(url)}">{_esc(url)}</a>'
        return f"<figure><p>{link}</p>{caption.group(0) if caption else ''}</figure>"

    return _BLOCK_EMBED.sub(repl, text)


# ---------------------------------------------------------------------------------------------
# Blocks, <!--more-->, file references

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]{0,5000}?-->")
_MORE = re.compile(r"<!--more(?:\s[^>]{0,500})?-->|<!--noteaser-->")
_NEXTPAGE = re.compile(r"<!--nextpage-->")


def has_blocks(text: str) -> bool:
    return "<!-- wp:" in text


def _url_key(url: str) -> str:
    """Compare file URLs by host-less path, decoded: http/https and www. do not matter."""
    return unquote(urlsplit(html.unescape(url)).path).lower()


_SIZED_COPY = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]{1,5}$)|-scaled(?=\.[A-Za-z0-9]{1,5}$)")


def original_file_key(url: str) -> str:
    """``/wp-content/uploads/2013/photo-300x200.jpg`` -> the key of ``photo.jpg``."""
    return _SIZED_COPY.sub("", _url_key(url))


_URL_ATTR = re.compile(r"""(\s(?:src|href)\s*=\s*)(["'])([^"'<>]{1,2000})\2""", re.IGNORECASE)
_SRCSET = re.compile(r"""\s(?:srcset|sizes)\s*=\s*(["'])[^"']*\1""", re.IGNORECASE)


def rewrite_file_urls(text: str, ctx: ConversionContext) -> str:
    """Point every reference to an imported file, or a resized copy of it, at its new URL."""
    if not ctx.file_urls:
        return text

    def repl(m: re.Match[str]) -> str:
        url = m.group(3)
        new = ctx.file_urls.get(_url_key(url)) or ctx.file_urls.get(original_file_key(url))
        if new is None:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{_esc(new)}{m.group(2)}"

    return _SRCSET.sub("", _URL_ATTR.sub(repl, text))


# ---------------------------------------------------------------------------------------------
# Entry point


def to_html(content: str, *, post_id: int = 0, ctx: ConversionContext | None = None) -> Converted:
    """WordPress ``post_content`` to sanitised HTML, plus the excerpt part before <!--more-->."""
    ctx = ctx or ConversionContext()
    out = Converted(html="")
    text = (content or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = has_blocks(text)
    if blocks:
        text = _BLOCK_COMMENT.sub("", text)
        text = _block_embeds(text)
    text = _NEXTPAGE.sub("", text)
    more = _MORE.search(text)
    if not blocks:
        text = _bare_urls_to_links(text)
    text = expand_shortcodes(text, post_id, ctx, out)
    if not blocks:
        text = wpautop(text)
    text = rewrite_file_urls(text, ctx)
    if more:
        marked = _MORE.search(text)
        if marked:
            # Plain text only (templates escape it), so it needs no second sanitiser pass.
            out.teaser = plain_text(text[: marked.start()])
        text = _MORE.sub("", text)
    out.html = sanitize_html(text)
    if not blocks:
        out.html = out.html.strip()
    return out


@dataclass
class Stored:
    """What the importer stores for one body: HTML, editable source, teaser, odd shortcodes."""

    html: str
    source: str
    teaser: str
    excerpt: str  # the first 55 words, for posts without a teaser or excerpt
    unknown_shortcodes: Counter[str]


def convert_for_storage(
    content: str, post_id: int = 0, ctx: ConversionContext | None = None
) -> Stored:
    """Convert one body the way the importer stores it (picklable; runs in worker processes)."""
    converted = to_html(content, post_id=post_id, ctx=ctx)
    return Stored(
        html=converted.html,
        source=as_editable_source(converted.html),
        teaser=converted.teaser,
        excerpt=derive_excerpt(converted.html),
        unknown_shortcodes=converted.unknown_shortcodes,
    )


_worker_ctx: ConversionContext | None = None


def init_worker(ctx: ConversionContext) -> None:
    global _worker_ctx
    _worker_ctx = ctx


def convert_batch(bodies: list[tuple[int, str]]) -> list[Stored]:
    """Worker-process entry: convert ``(old_id, content)`` pairs with the shared context."""
    return [convert_for_storage(content, old_id, _worker_ctx) for old_id, content in bodies]


# ---------------------------------------------------------------------------------------------
# Storing imported HTML as a post's source

_markdown_probe = MarkdownIt("commonmark", {"html": True})
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def as_editable_source(safe_html: str) -> str:
    """Imported HTML as a post source that renders back to this HTML.

    Posts are edited as Markdown with raw HTML allowed. CommonMark passes an HTML block through
    unchanged up to the first blank line, so blank lines are removed (inside ``<pre>``, where
    they matter, they become a line holding ``&#32;``, an invisible space) and the body is one
    HTML block. Where the Markdown parser would still not read it as one block (it starts with
    text, or with ``<pre>``), it is wrapped in a ``<div>``.
    """
    if not safe_html:
        return ""
    filler = "\n&#32;" if "<pre" in safe_html else ""
    source = _BLANK_LINE.sub(filler, safe_html.strip())
    if _is_single_html_block(source):
        return source
    return f"<div>\n{source}\n</div>"


def _is_single_html_block(source: str) -> bool:
    tokens = _markdown_probe.parse(source)
    return len(tokens) == 1 and tokens[0].type == "html_block"


def convert_title(title: str) -> str:
    """Titles are stored as text, byte for byte (templates escape them)."""
    return title or ""


__all__: list[str] = [
    "Attachment",
    "ConversionContext",
    "Converted",
    "as_editable_source",
    "convert_batch",
    "convert_for_storage",
    "original_file_key",
    "to_html",
    "wpautop",
]
