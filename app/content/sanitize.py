"""HTML sanitising for article bodies.

This module is the only place in the codebase that imports or calls bleach.
bleach is in maintenance mode (security fixes only, no new features), so keep
every use of it behind :func:`sanitize_html`; swapping it for another
sanitiser (e.g. nh3/ammonia or justhtml) then only means rewriting this file
and keeping ``tests/test_sanitizer.py`` green.

Policy: an explicit allow-list of article elements and attributes, URL schemes
limited to http, https and mailto (relative URLs allowed), no ``style``
attribute at all, disallowed tags stripped (their text kept), comments
removed, and ``rel="noopener noreferrer"`` forced on external links.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from html import unescape
from typing import Any

from bleach import html5lib_shim
from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "EXTERNAL_LINK_REL",
    "sanitize_html",
]

# Elements whose text content may carry a language or writing direction
# (posts are written in English, German, French and Persian; Persian needs dir="rtl").
_TEXT_ELEMENTS: frozenset[str] = frozenset(
    {
        "p", "h2", "h3", "h4", "h5", "h6", "a", "ul", "ol", "li", "blockquote",
        "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "code", "pre",
        "kbd", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr",
        "th", "td", "caption", "span", "div", "abbr", "cite", "q", "dl", "dt",
        "dd", "mark", "del", "ins",
    }
)  # fmt: skip

ALLOWED_TAGS: frozenset[str] = _TEXT_ELEMENTS | {"br", "hr", "img"}

_ELEMENT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "rel"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "td": frozenset({"colspan", "rowspan", "scope"}),
    "abbr": frozenset({"title"}),
}

# Public, read-only view of the attribute allow-list (tag -> attribute names).
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    tag: _ELEMENT_ATTRIBUTES.get(tag, frozenset())
    | (frozenset({"lang", "dir"}) if tag in _TEXT_ELEMENTS else frozenset())
    for tag in sorted(ALLOWED_TAGS)
}

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

EXTERNAL_LINK_REL = "noopener noreferrer"

# Attribute values that are not free text are checked, so junk such as
# width="100%;x" or dir="evil" is dropped rather than passed on to templates.
_NUMBER = re.compile(r"[0-9]{1,5}")
_VALUE_CHECKS: dict[str, re.Pattern[str]] = {
    "dir": re.compile(r"ltr|rtl|auto", re.IGNORECASE),
    "lang": re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*"),
    "width": _NUMBER,
    "height": _NUMBER,
    "colspan": _NUMBER,
    "rowspan": _NUMBER,
    "scope": re.compile(r"row|col|rowgroup|colgroup", re.IGNORECASE),
}


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """bleach attribute callback: allow-listed names with well-formed values only.

    URL schemes of ``href``/``src`` are checked by bleach itself afterwards.
    """
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    check = _VALUE_CHECKS.get(name)
    return check is None or check.fullmatch(value.strip()) is not None


# A browser ignores tab/newline anywhere in a URL and C0 controls/space at its ends.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f\s]+")


def _is_external(href: str) -> bool:
    """True for absolute http(s) URLs and scheme-relative ones (``//host``, ``\\\\host``)."""
    url = _URL_IGNORED.sub("", unescape(href)).lower()
    return url.startswith(("http:", "https:")) or (
        len(url) > 1 and url[0] in "/\\" and url[1] in "/\\"
    )


class _ExternalLinkFilter(Filter):
    """Force ``rel="noopener noreferrer"`` on external links, replacing any author rel.

    Runs after bleach's sanitiser, so it only ever sees allowed, cleaned tokens.
    """

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attrs: dict[tuple[str | None, str], str] = token.get("data") or {}
                href = attrs.get((None, "href"))
                if href is not None and _is_external(href):
                    attrs[(None, "rel")] = EXTERNAL_LINK_REL
                    token["data"] = attrs
            yield token


# Pre-pass for output cleanliness only: drop script/style elements *with* their
# content, which bleach's strip mode would otherwise keep as visible text. An
# unclosed element runs to the end of the input, as it does in a browser. Safety
# never depends on this regex; bleach's HTML5 parser does the real work. The start
# tag's length is capped so that many unterminated ``<script`` cannot make the
# scan quadratic (longer start tags are simply left to bleach).
_SCRIPT_OR_STYLE = re.compile(
    r"<(script|style)\b[^>]{0,500}>.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_MAX_PREPASS_ROUNDS = 5


def _remove_script_and_style(text: str) -> str:
    # Repeat while something changes: removing one block can join fragments into
    # a new one (``<scr<script></script>ipt>``). Bounded, so crafted deep nesting
    # cannot make this quadratic; any leftovers are bleach's job as usual.
    for _ in range(_MAX_PREPASS_ROUNDS):
        stripped = _SCRIPT_OR_STYLE.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text


# Worst-case bounds. html5lib (inside bleach) checks the stack of open elements for every tag,
# so its time grows with nesting depth × tags: 40,000 nested <div>s took minutes. Browsers cap
# nesting too (Blink at 512); here start tags beyond MAX_NESTING_DEPTH open elements are dropped
# (their text is kept) by a linear pre-pass, before bleach parses. Only tags are removed, and
# bleach still parses and cleans whatever remains, so safety never depends on this scan.
MAX_NESTING_DEPTH = 100
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})(?:[\s/][^<>]{0,2000})?>")
# Elements that never nest (no end tag) or that the parser closes itself when a sibling starts,
# so they do not deepen the stack.
_VOID_OR_SELF_CLOSING = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option",
        "optgroup", "rb", "rt", "rp", "thead", "tbody", "tfoot", "colgroup", "caption",
    }
)  # fmt: skip


def _limit_nesting(text: str) -> str:
    """Drop start tags that would open more than ``MAX_NESTING_DEPTH`` elements. Linear."""
    depth = 0
    dropped = 0

    def visit(match: re.Match[str]) -> str:
        nonlocal depth, dropped
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID_OR_SELF_CLOSING:
            return match.group(0)
        if closing:
            if dropped:
                dropped -= 1  # the end tag of a start tag that was dropped
                return ""
            depth = max(0, depth - 1)
            return match.group(0)
        if depth >= MAX_NESTING_DEPTH:
            dropped += 1
            return ""
        depth += 1
        return match.group(0)

    return _TAG.sub(visit, text)


_EtreeWalker = html5lib_shim.getTreeWalker("etree")


class _LinearTreeWalker(_EtreeWalker):
    """html5lib's etree walker, without its quadratic step.

    On leaving an element, the stock walker finds the element's position among its siblings
    with ``list(parent).index(element)`` (after a ``count`` for an assert): a table of 30,000
    rows made serialising quadratic. This one remembers each ancestor's position instead.
    Nodes are ``(element, index, ancestors, flag)`` as before; ``ancestors`` holds
    ``(element, its index)`` pairs.
    """

    def getFirstChild(self, node):
        if isinstance(node, tuple):
            element, key, parents, flag = node
        else:
            element, key, parents, flag = node, None, [], None
        if flag in ("text", "tail"):
            return None
        if element.text:
            return element, key, parents, "text"
        if len(element):
            parents.append((element, key))
            return element[0], 0, parents, None
        return None

    def getNextSibling(self, node):
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            if len(element):
                parents.append((element, key))
                return element[0], 0, parents, None
            return None
        if element.tail and flag != "tail":
            return element, key, parents, "tail"
        siblings = parents[-1][0]
        if key < len(siblings) - 1:
            return siblings[key + 1], key + 1, parents, None
        return None

    def getParentNode(self, node):
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return element if not parents else (element, key, parents, None)
        parent, parent_key = parents.pop()
        if not parents:
            return parent
        return parent, parent_key, parents, None


# bleach's Cleaner is not thread-safe (its parser keeps state), so each thread
# gets its own.
_local = threading.local()


def _cleaner() -> Cleaner:
    cleaner: Cleaner | None = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allow_attribute,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[_ExternalLinkFilter],
        )
        cleaner.walker = _LinearTreeWalker
        _local.cleaner = cleaner
    return cleaner


def sanitize_html(html: str | None) -> str:
    """Return ``html`` reduced to the article allow-list; ``""`` for empty input."""
    if not html:
        return ""
    return _cleaner().clean(_limit_nesting(_remove_script_and_style(html)))
