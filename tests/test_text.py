"""Tests for app.content.text: slugs, plain text and excerpts."""

from __future__ import annotations

import pytest

from app.content.slugs import slugify
from app.content.text import ELLIPSIS, derive_excerpt, plain_text

# --- slugify --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "Die Volksmujahedin sind fragwürdige Verbündete",
            "die-volksmujahedin-sind-fragwurdige-verbundete",
        ),
        ("Größenwahn an der Spree", "grossenwahn-an-der-spree"),
        ("L'été à Paris", "l-ete-a-paris"),
        ("Ça va? « Oui » — très bien!", "ca-va-oui-tres-bien"),
        ("  Hello,   World!!  ", "hello-world"),
        ("C++ & Rust: a (short) comparison", "c-rust-a-short-comparison"),
        ("Tom &amp; Jerry", "tom-jerry"),
        ("2024/05: Wahl-Ergebnis", "2024-05-wahl-ergebnis"),
    ],
)
def test_slug_transliteration(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_persian_title_gives_ascii_slug() -> None:
    slug = slugify("سازمان مجاهدین خلق")
    assert slug
    assert slug != "post"
    assert slug.isascii()
    assert slug.replace("-", "").isalnum()
    assert slug.count("-") == 2  # three words stay three words


@pytest.mark.parametrize("title", ["!!!", "", "   ", "—", "???!!!...", None])
def test_slug_falls_back_when_nothing_survives(title: str | None) -> None:
    assert slugify(title) == "post"  # type: ignore[arg-type]


def test_slug_is_cut_at_word_boundary() -> None:
    title = "one two three four five"
    assert slugify(title, max_length=13) == "one-two-three"
    assert slugify(title, max_length=12) == "one-two"
    assert slugify(title, max_length=17) == "one-two-three"


def test_slug_cut_keeps_word_order() -> None:
    """A long word must end the slug, not be skipped in favour of later short words."""
    assert slugify("alpha extraordinarily-long-word x y", max_length=20) == "alpha"


def test_long_title_respects_default_max_length() -> None:
    title = " ".join(["Verbündete"] * 20)
    slug = slugify(title)
    assert len(slug) <= 80
    assert slug.startswith("verbundete-verbundete")
    assert not slug.endswith("-")
    assert all(word == "verbundete" for word in slug.split("-"))


def test_single_overlong_word_is_cut_hard() -> None:
    assert slugify("a" * 100) == "a" * 80


def test_slug_is_lowercase_with_single_hyphens() -> None:
    slug = slugify("Mixed -- CASE __ Title")
    assert slug == "mixed-case-title"


def test_invalid_max_length() -> None:
    with pytest.raises(ValueError):
        slugify("x", max_length=0)


# --- plain_text -----------------------------------------------------------------------------


def test_plain_text_strips_tags_and_collapses_whitespace() -> None:
    html = "<h2>Title</h2>\n<p>First   <em>para</em>graph.</p>\n\n<p>Second\tline</p>"
    assert plain_text(html) == "Title First paragraph. Second line"


def test_plain_text_blocks_do_not_run_together() -> None:
    assert plain_text("<p>one</p><p>two</p><ul><li>a</li><li>b</li></ul>x<br>y") == (
        "one two a b x y"
    )


def test_plain_text_decodes_entities() -> None:
    assert plain_text("<p>Tom &amp; Jerry &lt;3 &quot;q&quot; &#8211; &eacute;t&eacute;</p>") == (
        'Tom & Jerry <3 "q" \u2013 été'
    )


def test_plain_text_nbsp_counts_as_space() -> None:
    assert plain_text("a&nbsp;&nbsp;b\u00a0c") == "a b c"


def test_plain_text_drops_script_and_style_content() -> None:
    html = "<p>a</p><script>var x = '<p>no</p>';</script><style>p { color: red }</style><p>b</p>"
    assert plain_text(html) == "a b"


def test_plain_text_drops_comments() -> None:
    assert plain_text("a<!-- hidden -->b") == "ab"


def test_plain_text_keeps_persian_and_zwnj() -> None:
    word = "می\u200cخواهم"
    assert plain_text(f'<p dir="rtl">{word}  سازمان</p>') == f"{word} سازمان"


def test_plain_text_empty() -> None:
    assert plain_text("") == ""
    assert plain_text(None) == ""  # type: ignore[arg-type]


# --- derive_excerpt -------------------------------------------------------------------------


def test_short_text_is_unchanged_without_ellipsis() -> None:
    assert derive_excerpt("<p>Kurzer Text über <b>Größenwahn</b>.</p>") == (
        "Kurzer Text über Größenwahn."
    )


def test_exactly_limit_words_has_no_ellipsis() -> None:
    words = [f"w{i}" for i in range(55)]
    assert derive_excerpt(" ".join(words)) == " ".join(words)


def test_long_text_is_cut_to_55_words_with_ellipsis() -> None:
    words = [f"word{i}" for i in range(200)]
    html = "<p>" + "</p><p>".join(" ".join(words[i : i + 10]) for i in range(0, 200, 10)) + "</p>"
    excerpt = derive_excerpt(html)
    assert excerpt.endswith(ELLIPSIS)
    assert ELLIPSIS == "\u2026"
    assert excerpt.removesuffix(ELLIPSIS).split(" ") == words[:55]


def test_custom_word_count() -> None:
    assert derive_excerpt("one two three four", words=2) == "one two" + ELLIPSIS


def test_trailing_punctuation_before_ellipsis_is_dropped() -> None:
    assert derive_excerpt("one, two, three", words=2) == "one, two" + ELLIPSIS


def test_excerpt_removes_tags_and_decodes_entities() -> None:
    assert derive_excerpt('<p>L&#39;été à <a href="/paris">Paris</a> &mdash; « citation »</p>') == (
        "L'été à Paris — « citation »"
    )


def test_excerpt_keeps_accents_when_cut() -> None:
    assert derive_excerpt("Größenwahn fragwürdige Verbündete à Paris", words=3) == (
        "Größenwahn fragwürdige Verbündete" + ELLIPSIS
    )


def test_excerpt_keeps_persian_intact() -> None:
    html = '<p dir="rtl" lang="fa">سازمان مجاهدین خلق ایران، یک گروه</p>'
    assert derive_excerpt(html, words=4) == "سازمان مجاهدین خلق ایران" + ELLIPSIS
    assert derive_excerpt(html) == "سازمان مجاهدین خلق ایران، یک گروه"


def test_excerpt_ignores_script_content() -> None:
    assert derive_excerpt("<script>alert('x')</script><p>Visible</p>") == "Visible"


def test_excerpt_of_empty_html() -> None:
    assert derive_excerpt("") == ""
    assert derive_excerpt("<p> </p>") == ""


def test_excerpt_invalid_word_count() -> None:
    with pytest.raises(ValueError):
        derive_excerpt("x", words=0)


def test_excerpt_keeps_headings_list_items_and_cells_as_separate_sentences() -> None:
    html = (
        "<h2>What we ask</h2><ol><li>Raise each case by name.</li><li>Ask for access</li></ol>"
        "<table><tr><th>Families</th><td>131</td></tr></table><p>Yours sincerely</p>"
    )
    assert derive_excerpt(html) == (
        "What we ask. Raise each case by name. Ask for access. Families. 131. Yours sincerely"
    )


def test_excerpt_sentence_breaks_respect_existing_punctuation_in_any_script() -> None:
    assert derive_excerpt("<h2>Why?</h2><p>Because.</p>") == "Why? Because."
    assert derive_excerpt("<h2>چه می‌خواهیم؟</h2><p>پاسخ</p>") == "چه می‌خواهیم؟ پاسخ"
    # Paragraphs and inline markup are unchanged: no stray full stops.
    assert derive_excerpt("<p>One <em>two</em></p><p>three</p>") == "One two three"
