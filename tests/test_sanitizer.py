"""Tests for app.content.sanitize: hostile payloads and ordinary article markup.

The payload corpus lives outside the project, in ../shared/testdata/xss/payloads.jsonl
(see ../shared/testdata/README.md); its tests are skipped when it is absent, and fail
under REQUIRE_SHARED_TESTDATA=1 (as CI runs them).
Outputs are checked by parsing them with the stdlib HTML parser, not by substring
matching, so an element or attribute cannot hide behind odd spelling.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from app.content.rendering import render_markdown
from app.content.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    EXTERNAL_LINK_REL,
    sanitize_html,
)

PAYLOADS_FILE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "testdata" / "xss" / "payloads.jsonl"
)

# Elements that can run script, load active content, submit data or switch the
# parser into a foreign/raw-text mode.
SCRIPT_CAPABLE_ELEMENTS = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "form", "svg", "math", "meta",
        "link", "base", "frame", "frameset", "applet", "template", "input", "button",
        "textarea", "select", "option", "keygen", "isindex", "noscript", "noembed",
        "noframes", "xmp", "plaintext", "portal", "xml", "import", "bgsound", "layer",
        "ilayer", "marquee", "video", "audio", "source", "track", "image", "animate",
        "set", "html", "head", "body", "title",
    }
)  # fmt: skip

# Attributes whose value a browser resolves as a URL.
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster",
        "background", "cite", "longdesc", "lowsrc", "dynsrc", "datasrc", "ping",
        "codebase", "archive", "classid", "usemap", "manifest", "icon", "profile",
        "srcset", "xml:base", "itemtype", "code", "to", "from", "values",
    }
)  # fmt: skip

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

# What article markup may contain, written out here independently of the sanitiser's own
# constants: if the sanitiser's allow-list grows, output checked against this list fails until
# someone decides here, on purpose, that the new element or attribute is harmless.
_TEXT = {"lang", "dir"}
ARTICLE_ATTRIBUTES: dict[str, frozenset[str]] = {
    **{
        tag: frozenset(_TEXT)
        for tag in (
            "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "em", "strong",
            "b", "i", "u", "s", "sub", "sup", "small", "code", "pre", "kbd", "figure",
            "figcaption", "table", "thead", "tbody", "tfoot", "tr", "caption", "span", "div",
            "cite", "q", "dl", "dt", "dd", "mark", "del", "ins",
        )
    },
    "a": frozenset(_TEXT | {"href", "title", "rel"}),
    "abbr": frozenset(_TEXT | {"title"}),
    "th": frozenset(_TEXT | {"colspan", "rowspan", "scope"}),
    "td": frozenset(_TEXT | {"colspan", "rowspan", "scope"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "br": frozenset(),
    "hr": frozenset(),
}  # fmt: skip
ARTICLE_ELEMENTS = frozenset(ARTICLE_ATTRIBUTES)
# Attributes that run script or load a document, whatever element carries them.
SCRIPT_CAPABLE_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "action", "xlink:href"})
# What a browser ignores when reading a URL's scheme: whitespace and control characters.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class _Collector(HTMLParser):
    """Records every element and attribute, plus anything that is not plain markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"declaration {decl!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"declaration {data!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data!r}")


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an (already entity-decoded) URL, or None."""
    match = _SCHEME.match(_URL_IGNORED.sub("", value))
    return match.group(1).lower() if match else None


def dangers(html: str) -> list[str]:
    """Everything in ``html`` that ../shared/testdata/README.md counts as dangerous.

    Attribute values come from html.parser already entity-decoded exactly once,
    which is how a browser reads them.
    """
    collector = parse(html)
    found = list(collector.other)
    for tag, attrs in collector.elements:
        if tag in SCRIPT_CAPABLE_ELEMENTS:
            found.append(f"element <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            elif name == "srcdoc":
                found.append(f"srcdoc on <{tag}>")
            elif name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in {name}= on <{tag}>")
            elif name == "style":
                css = re.sub(r"[\s\\]+", "", _CSS_COMMENT.sub("", value)).lower()
                if "expression" in css or "url(" in css:
                    found.append(f"dangerous style on <{tag}>")
    return found


def outside_allow_list(html: str) -> list[str]:
    """Elements/attributes that are not article markup (``ARTICLE_ATTRIBUTES``, incl. style)."""
    found = []
    for tag, attrs in parse(html).elements:
        if tag not in ARTICLE_ELEMENTS:
            found.append(f"<{tag}>")
        found.extend(
            f"{name}= on <{tag}>"
            for name, _ in attrs
            if name not in ARTICLE_ATTRIBUTES.get(tag, frozenset())
        )
    return found


def assert_safe(html: str) -> None:
    assert dangers(html) == [], html
    assert outside_allow_list(html) == [], html


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    return [(tag, dict(attrs)) for tag, attrs in parse(html).elements]


# --- the checker itself must be able to fail ---------------------------------------------


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>alert(1)</script>",
        "<svg><a>x</a></svg>",
        '<img src="x" onerror="alert(1)">',
        '<iframe srcdoc="&lt;script&gt;"></iframe>',
        '<a href="java&#x0A;script:alert(1)">x</a>',
        '<a href=" JAVASCRIPT&colon;alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<object data="data:text/html,x"></object>',
        '<p style="width: expression(alert(1))">x</p>',
        '<p style="background: URL(evil)">x</p>',
        "<!-- hidden -->",
    ],
)
def test_checker_detects_dangerous_markup(unsafe: str) -> None:
    assert dangers(unsafe)


@pytest.mark.parametrize(
    "safe",
    [
        '<a href="https://example.org/x">x</a>',
        '<a href="mailto:a@example.org">x</a>',
        '<a href="/relative/path?q=1#frag">x</a>',
        '<a href="./page">x</a>',
        '<img src="image.png" alt="">',
    ],
)
def test_checker_accepts_safe_markup(safe: str) -> None:
    assert dangers(safe) == []


@pytest.mark.parametrize(
    "outside",
    [
        "<details><summary>x</summary></details>",
        '<p style="color: red">x</p>',
        '<img src="a.png" loading="lazy">',
        '<span title="x">x</span>',
    ],
)
def test_allow_list_checker_flags_what_is_not_article_markup(outside: str) -> None:
    assert outside_allow_list(outside)


# --- the allow-list itself ------------------------------------------------------------------
# The script/style pre-pass removes most scripts before bleach sees them, so a script-capable
# entry in the allow-list would go unnoticed by the payload tests. These check the list itself
# and, with a start tag too long for the pre-pass, what bleach alone lets through.


def test_no_script_capable_element_is_allowed() -> None:
    assert not ALLOWED_TAGS & SCRIPT_CAPABLE_ELEMENTS, sorted(
        ALLOWED_TAGS & SCRIPT_CAPABLE_ELEMENTS
    )


def test_no_script_capable_attribute_is_allowed() -> None:
    offending = {
        f"{name}= on <{tag}>"
        for tag, names in ALLOWED_ATTRIBUTES.items()
        for name in names
        if name.startswith("on")
        or name in SCRIPT_CAPABLE_ATTRIBUTES
        # A URL may only be a link's target or an image's source (schemes checked below).
        or (name in URL_ATTRIBUTES and (tag, name) not in {("a", "href"), ("img", "src")})
    }
    assert offending == set()


def test_only_safe_url_schemes_are_allowed() -> None:
    assert ALLOWED_PROTOCOLS <= SAFE_SCHEMES


def test_script_with_a_long_start_tag_is_not_a_script() -> None:
    """600 characters of attribute take the tag past the pre-pass; bleach alone must strip it."""
    cleaned = sanitize_html(f'<script data-x="{"a" * 600}">alert(1)</script><p>after</p>')
    assert_safe(cleaned)
    assert [tag for tag, _ in elements(cleaned)] == ["p"]


@pytest.mark.parametrize("tag", sorted(SCRIPT_CAPABLE_ELEMENTS))
def test_no_script_capable_element_survives_bleach(tag: str) -> None:
    cleaned = sanitize_html(f'<{tag} title="{"a" * 600}">alert(1)</{tag}><p>after</p>')
    assert tag not in {name for name, _ in elements(cleaned)}, cleaned
    assert_safe(cleaned)


@pytest.mark.parametrize(
    "attribute",
    ["onclick", "onerror", "onload", "onmouseover", "onfocus", *sorted(SCRIPT_CAPABLE_ATTRIBUTES)],
)
def test_no_allowed_element_keeps_a_script_capable_attribute(attribute: str) -> None:
    for tag in sorted(ALLOWED_TAGS):
        cleaned = sanitize_html(f'<{tag} {attribute}="alert(1)">x</{tag}>')
        assert attribute not in {name for _, attrs in parse(cleaned).elements for name, _ in attrs}
        assert_safe(cleaned)


# --- the payload corpus ---------------------------------------------------------------------


def _load_payloads() -> list[Any]:
    if not PAYLOADS_FILE.is_file():
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"XSS payload corpus not found at {PAYLOADS_FILE} "
                    "(see ../shared/testdata/README.md)"
                ),
                id="payloads-missing",
            )
        ]
    params = []
    with PAYLOADS_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                params.append(pytest.param(record["payload"], id=f"payload-{record['n']}"))
    return params


PAYLOADS = _load_payloads()


def test_payload_corpus_is_complete() -> None:
    if not PAYLOADS_FILE.is_file():
        message = f"XSS payload corpus not found at {PAYLOADS_FILE}"
        if os.environ.get("REQUIRE_SHARED_TESTDATA") == "1":  # CI: a missing corpus is a failure
            pytest.fail(f"REQUIRE_SHARED_TESTDATA=1 but {message}")
        pytest.skip(message)
    assert len(PAYLOADS) == 662


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload: str) -> None:
    cleaned = sanitize_html(payload)
    assert_safe(cleaned)
    # Sanitising stored output again (e.g. when a post is re-saved) must not change it.
    assert sanitize_html(cleaned) == cleaned


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_via_markdown(payload: str) -> None:
    assert_safe(render_markdown(payload))


# --- hand-written attacks ---------------------------------------------------------------------


def test_script_disappears_with_its_text() -> None:
    assert sanitize_html("<p>before</p><script>alert(1)</script><p>after</p>") == (
        "<p>before</p><p>after</p>"
    )


def test_style_block_disappears_with_its_text() -> None:
    assert sanitize_html("<style>body { display: none }</style><p>x</p>") == "<p>x</p>"


def test_unclosed_script_swallows_the_rest_like_a_browser() -> None:
    assert sanitize_html("<p>ok</p><script>alert(1)") == "<p>ok</p>"


def test_javascript_href_is_removed_but_text_kept() -> None:
    assert sanitize_html('<a href="javascript:alert(1)">x</a>') == "<a>x</a>"


@pytest.mark.parametrize(
    "href",
    [
        "JaVaScRiPt&#58;alert(1)",
        "javascript&colon;alert(1)",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)",
        "&#x6A;avascript:alert(1)",
        " \tjava\nscript:alert(1)",
        "java&#x09;script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
    ],
)
def test_disguised_dangerous_href_is_removed(href: str) -> None:
    cleaned = sanitize_html(f'<a href="{href}">click</a>')
    assert_safe(cleaned)
    [(tag, attrs)] = elements(cleaned)
    assert tag == "a"
    assert cleaned.endswith(">click</a>")
    # The sanitiser may keep a value that a browser reads as a harmless relative URL
    # (it does not decode ``&colon;`` and re-escapes the ``&``), but never one with a scheme.
    assert url_scheme(attrs.get("href") or "") is None


def test_img_loses_event_handler() -> None:
    assert sanitize_html("<img src=x onerror=alert(1)>") == '<img src="x">'


def test_img_with_javascript_src_loses_src() -> None:
    assert elements(sanitize_html('<img src="javascript:alert(1)" alt="a">')) == [
        ("img", {"alt": "a"})
    ]


def test_nested_script_trick() -> None:
    cleaned = sanitize_html("<scr<script>ipt>alert(1)</script>")
    assert_safe(cleaned)
    assert elements(cleaned) == []
    assert "alert" not in cleaned


def test_split_script_tag_reassembled_by_removal_is_still_removed() -> None:
    cleaned = sanitize_html("<scr<script></script>ipt>alert(1)</script><p>x</p>")
    assert cleaned == "<p>x</p>"


def test_svg_with_script() -> None:
    cleaned = sanitize_html("<svg><script>alert(1)</script><circle onload=alert(2) /></svg>ok")
    assert cleaned == "ok"


def test_svg_onload() -> None:
    assert sanitize_html("<svg/onload=alert(1)>") == ""


def test_iframe_is_removed() -> None:
    cleaned = sanitize_html('<iframe src="https://evil.example/"></iframe><p>x</p>')
    assert cleaned == "<p>x</p>"


def test_iframe_srcdoc_is_removed() -> None:
    cleaned = sanitize_html('<iframe srcdoc="<script>alert(1)</script>"></iframe>')
    assert_safe(cleaned)
    assert elements(cleaned) == []


@pytest.mark.parametrize(
    "markup",
    [
        '<form action="https://evil.example"><input name="q"><button>go</button></form>',
        '<object data="evil.swf"></object><embed src="evil.swf">',
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<base href="https://evil.example/">',
        "<template><script>alert(1)</script></template>",
        '<textarea><img src=x onerror="alert(1)"></textarea>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    ],
)
def test_script_capable_elements_are_removed(markup: str) -> None:
    cleaned = sanitize_html(markup)
    assert_safe(cleaned)
    assert not any(tag in SCRIPT_CAPABLE_ELEMENTS for tag, _ in elements(cleaned))


def test_style_attribute_is_always_dropped() -> None:
    assert sanitize_html('<p style="color: red">x</p>') == "<p>x</p>"


def test_comments_are_removed() -> None:
    assert sanitize_html("<p>a<!-- secret --></p><!--[if IE]><script></script><![endif]-->") == (
        "<p>a</p>"
    )


def test_unknown_tags_are_stripped_but_text_kept() -> None:
    assert sanitize_html("<p><blink>hello</blink> <font color=red>world</font></p>") == (
        "<p>hello world</p>"
    )


def test_bare_angle_brackets_are_escaped() -> None:
    assert sanitize_html("<p>1 < 2 & 3 > 2</p>") == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


@pytest.mark.parametrize(
    ("attribute", "kept"),
    [
        ('dir="rtl"', True),
        ('dir="evil"', False),
        ('lang="fa-IR"', True),
        ('lang="x onmouseover=1"', False),
    ],
)
def test_lang_and_dir_values_are_checked(attribute: str, kept: bool) -> None:
    assert (attribute in sanitize_html(f"<p {attribute}>x</p>")) is kept


@pytest.mark.parametrize("value", ['"100"', '"100%"', '"1e9"'])
def test_img_dimensions_must_be_numbers(value: str) -> None:
    kept = elements(sanitize_html(f'<img src="a.png" width={value}>'))[0][1]
    assert ("width" in kept) is (value == '"100"')


def test_empty_input() -> None:
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""  # type: ignore[arg-type]


# --- ordinary article markup survives ---------------------------------------------------------


def test_external_link_gets_rel_and_keeps_title() -> None:
    assert sanitize_html('<a href="https://example.org/a?b=1&amp;c=2" title="Quelle">q</a>') == (
        f'<a href="https://example.org/a?b=1&amp;c=2" title="Quelle" rel="{EXTERNAL_LINK_REL}">'
        "q</a>"
    )


def test_author_rel_on_external_link_is_replaced() -> None:
    cleaned = sanitize_html('<a href="http://example.org/" rel="opener">x</a>')
    assert elements(cleaned) == [("a", {"href": "http://example.org/", "rel": EXTERNAL_LINK_REL})]


@pytest.mark.parametrize("href", ["//example.org/x", "HTTPS://EXAMPLE.ORG", "\\\\example.org"])
def test_scheme_relative_and_uppercase_links_count_as_external(href: str) -> None:
    assert elements(sanitize_html(f'<a href="{href}">x</a>'))[0][1]["rel"] == EXTERNAL_LINK_REL


@pytest.mark.parametrize(
    "href", ["/2024/05/post-slug", "../other", "#footnote-1", "?page=2", "mailto:x@example.org"]
)
def test_internal_links_do_not_get_rel(href: str) -> None:
    assert sanitize_html(f'<a href="{href}">x</a>') == f'<a href="{href}">x</a>'


def test_image_keeps_its_attributes() -> None:
    html = '<img src="/media/a.jpg" alt="Demo in Berlin" title="Foto" width="640" height="480">'
    assert sanitize_html(html) == html


def test_figure_with_caption() -> None:
    html = (
        '<figure><img src="https://cdn.example.org/x.png" alt="x">'
        "<figcaption>Bild: <cite>Agentur</cite></figcaption></figure>"
    )
    assert sanitize_html(html) == html


def test_table_with_header_scope_and_spans() -> None:
    html = (
        "<table><caption>Results</caption>"
        '<thead><tr><th scope="col">Year</th><th scope="col" colspan="2">Votes</th></tr></thead>'
        '<tbody><tr><th scope="row">2024</th><td>1</td><td rowspan="2">2</td></tr></tbody>'
        "<tfoot><tr><td>sum</td></tr></tfoot></table>"
    )
    assert sanitize_html(html) == html


def test_nested_lists() -> None:
    html = "<ul><li>one<ol><li>a</li><li>b</li></ol></li><li>two</li></ul>"
    assert sanitize_html(html) == html


def test_definition_list() -> None:
    html = "<dl><dt>MEK</dt><dd>Volksmujahedin</dd></dl>"
    assert sanitize_html(html) == html


def test_blockquote_with_cite() -> None:
    html = "<blockquote><p>Quote.</p><p>— <cite>Author</cite></p></blockquote>"
    assert sanitize_html(html) == html


def test_code_and_pre() -> None:
    html = (
        "<p>Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, run <code>ls</code>:</p>"
        "<pre><code>if a &lt; b:\n    pass\n</code></pre>"
    )
    assert sanitize_html(html) == html


@pytest.mark.parametrize("level", [2, 3, 4, 5, 6])
def test_headings(level: int) -> None:
    html = f'<h{level} lang="de">Überschrift</h{level}>'
    assert sanitize_html(html) == html


def test_inline_text_semantics() -> None:
    html = (
        "<p><em>e</em> <strong>s</strong> <b>b</b> <i>i</i> <u>u</u> <s>s</s> "
        "H<sub>2</sub>O x<sup>2</sup> <small>klein</small> "
        '<abbr title="Europäische Union">EU</abbr> '
        "<q>quote</q> <mark>hi</mark> <del>old</del> <ins>new</ins><br>"
        '<span lang="fr">bonjour</span></p><hr><div dir="auto">x</div>'
    )
    assert sanitize_html(html) == html


def test_german_text() -> None:
    html = "<p>Größenwahn ist fragwürdig, sagt die Straßenumfrage.</p>"
    assert sanitize_html(html) == html


def test_french_text() -> None:
    html = '<p lang="fr">L\'été à Paris — « citation »</p>'
    assert sanitize_html(html) == html


def test_persian_text_with_direction() -> None:
    html = '<p dir="rtl" lang="fa">سازمان مجاهدین خلق</p>'
    assert sanitize_html(html) == html


def test_persian_zero_width_non_joiner_is_kept() -> None:
    html = '<p dir="rtl" lang="fa">می\u200cخواهم</p>'
    assert sanitize_html(html) == html


def test_entities_are_kept_as_entities() -> None:
    html = "<p>Tom &amp; Jerry &lt;3 &nbsp;&mdash; done</p>"
    assert sanitize_html(html) == html
