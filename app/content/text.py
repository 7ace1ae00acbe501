"""Plain-text helpers for posts: tag-free text and excerpts (slugs: app.content.slugs).

The results are plain text, not markup: templates must escape them as usual.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["ELLIPSIS", "derive_excerpt", "plain_text"]

ELLIPSIS = "\u2026"


# Elements whose end (or start) separates words when the markup is flattened.
_BREAKING_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div",
        "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p", "pre", "section",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Blocks that end a sentence even without a full stop: a heading, a list item, a table cell.
_SENTENCE_TAGS = frozenset(
    {"caption", "dd", "dt", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th"}
)
_SENTENCE_END = "\x00"
# Characters after which a block already reads as finished (Latin, Arabic/Persian, CJK marks).
_FINAL_PUNCTUATION = ".!?…:;\u061f\u06d4\u3002\uff01\uff1f"
# Elements whose content is never shown as text.
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self, sentences: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0
        self._sentences = sentences

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and friends: self-closing, so never opens a hidden section.
        if tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif self._sentences and tag in _SENTENCE_TAGS:
            self.parts.append(_SENTENCE_END)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def plain_text(html: str | None, sentences: bool = False) -> str:
    """Return the visible text of ``html``: no tags, entities decoded, whitespace collapsed.

    Block boundaries (``</p><p>``, ``<br>``, table cells ...) become spaces so
    words do not run together; script, style, template and noscript content is dropped.
    With ``sentences``, a heading, list item or table cell that ends without punctuation gets
    a full stop, so "What we ask" and the list below it read as separate sentences.
    """
    if not html:
        return ""
    parser = _TextExtractor(sentences)
    parser.feed(html)
    parser.close()
    # str.split() also splits on NBSP and other Unicode spaces, but not on the
    # zero-width non-joiner that Persian spelling relies on.
    text = " ".join("".join(parser.parts).split())
    if not sentences:
        return text
    pieces = text.split(_SENTENCE_END)
    out = pieces[0].rstrip()
    for piece in pieces[1:]:
        if out and out[-1] not in _FINAL_PUNCTUATION:
            out += "."
        out = (out + " " + piece.strip()).strip() if piece.strip() else out
    return " ".join(out.split())


# Trailing punctuation that looks wrong directly before an ellipsis.
_TRAILING_PUNCTUATION = " ,;:-\u2013\u2014\u060c\u061b"  # incl. Arabic comma/semicolon


PAGE_EXCERPT_WORDS = 40


def page_excerpt(html: str | None) -> str:
    """A page's description (its link preview and meta description unless an SEO description
    is set): the first words of its text, stored with the page on save (``Page.excerpt``)."""
    return derive_excerpt(html, PAGE_EXCERPT_WORDS)


def derive_excerpt(html: str | None, words: int = 55) -> str:
    """Return the first ``words`` words of the text of ``html``, plus "…" if cut."""
    if words < 1:
        raise ValueError("words must be at least 1")
    tokens = plain_text(html, sentences=True).split(" ")
    if len(tokens) <= words or tokens == [""]:
        return " ".join(tokens)
    return " ".join(tokens[:words]).rstrip(_TRAILING_PUNCTUATION) + ELLIPSIS
