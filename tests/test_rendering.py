"""Tests for app.content.rendering.render_markdown."""

from __future__ import annotations

import pytest

from app.content.rendering import render_markdown
from app.content.sanitize import EXTERNAL_LINK_REL


def test_empty_source() -> None:
    assert render_markdown("") == ""
    assert render_markdown(None) == ""  # type: ignore[arg-type]


def test_paragraph_and_emphasis() -> None:
    assert render_markdown("Hello *world* and **bold** and `code`.") == (
        "<p>Hello <em>world</em> and <strong>bold</strong> and <code>code</code>.</p>\n"
    )


@pytest.mark.parametrize("level", [2, 3, 4, 5, 6])
def test_headings_keep_their_level(level: int) -> None:
    assert render_markdown(f"{'#' * level} Title") == f"<h{level}>Title</h{level}>\n"


@pytest.mark.parametrize("source", ["# Title", "Title\n====="])
def test_top_level_heading_becomes_h2(source: str) -> None:
    """h1 is reserved for the post title; a bare-text heading would be worse."""
    assert render_markdown(source) == "<h2>Title</h2>\n"


def test_external_link_gets_rel() -> None:
    assert render_markdown('[Quelle](https://example.org/a "Titel")') == (
        f'<p><a href="https://example.org/a" title="Titel" rel="{EXTERNAL_LINK_REL}">'
        "Quelle</a></p>\n"
    )


def test_relative_link_has_no_rel() -> None:
    assert (
        render_markdown("[next](/2024/next-post)") == '<p><a href="/2024/next-post">next</a></p>\n'
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # markdown-it refuses to turn these into links at all ...
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
        # ... and raw HTML links lose the href in the sanitiser.
        ('<a href="javascript:alert(1)">x</a>', "<p><a>x</a></p>\n"),
        ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>\n"),
    ],
)
def test_javascript_links_never_get_an_href(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_image() -> None:
    assert render_markdown('![Demo](/media/demo.jpg "Berlin")') == (
        '<p><img src="/media/demo.jpg" alt="Demo" title="Berlin"></p>\n'
    )


def test_lists_nest() -> None:
    assert render_markdown("- one\n  1. a\n  2. b\n- two\n") == (
        "<ul>\n<li>one\n<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n</li>\n<li>two</li>\n</ul>\n"
    )


def test_blockquote() -> None:
    assert render_markdown("> quoted\n") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n"


def test_table_without_alignment_styles() -> None:
    html = render_markdown("| Year | Votes |\n|:-----|------:|\n| 2024 | 12 |\n")
    assert html == (
        "<table>\n<thead>\n<tr>\n<th>Year</th>\n<th>Votes</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>2024</td>\n<td>12</td>\n</tr>\n</tbody>\n</table>\n"
    )


def test_strikethrough() -> None:
    assert render_markdown("~~old~~ new") == "<p><s>old</s> new</p>\n"


def test_code_fence_escapes_markup() -> None:
    html = render_markdown("```html\n<script>alert(1)</script>\nif a < b && c\n```\n")
    assert html == (
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n"
        "if a &lt; b &amp;&amp; c\n</code></pre>\n"
    )


def test_inline_code_escapes_markup() -> None:
    assert render_markdown("Use `<em>` tags") == "<p>Use <code>&lt;em&gt;</code> tags</p>\n"


def test_raw_html_block_passes_through_sanitiser() -> None:
    source = '<figure><img src="/a.jpg" alt="a" onerror="x()"><figcaption>Cap</figcaption></figure>'
    assert render_markdown(source) == (
        '<figure><img src="/a.jpg" alt="a"><figcaption>Cap</figcaption></figure>'
    )


def test_raw_inline_html_keeps_allowed_markup() -> None:
    assert render_markdown('Text <span lang="de">Größenwahn</span> <mark>hi</mark>') == (
        '<p>Text <span lang="de">Größenwahn</span> <mark>hi</mark></p>\n'
    )


def test_script_is_stripped_with_its_content() -> None:
    html = render_markdown("Before\n\n<script>alert(1)</script>\n\nAfter")
    assert html == "<p>Before</p>\n\n<p>After</p>\n"


def test_inline_event_handler_is_stripped() -> None:
    assert render_markdown('Hi <b onclick="alert(1)">there</b>') == "<p>Hi <b>there</b></p>\n"


def test_iframe_is_stripped() -> None:
    assert "iframe" not in render_markdown('<iframe src="https://evil.example"></iframe>')


def test_persian_paragraph_via_html() -> None:
    source = '<p dir="rtl" lang="fa">سازمان مجاهدین خلق</p>'
    assert render_markdown(source) == source


def test_wordpress_style_html_content() -> None:
    source = (
        '<p>Erster Absatz mit <a href="https://example.org">Link</a>.</p>\n'
        "<!-- wp:paragraph -->\n<p>L'été à Paris — « citation »</p>\n<!-- /wp:paragraph -->"
    )
    assert render_markdown(source) == (
        '<p>Erster Absatz mit <a href="https://example.org" '
        f'rel="{EXTERNAL_LINK_REL}">Link</a>.</p>\n'
        "\n<p>L'été à Paris — « citation »</p>\n"
    )
