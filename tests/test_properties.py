"""Property-based tests (hypothesis): the sanitiser, slugs and public URL parameters.

Example counts are kept small so the suite stays quick; each run explores new inputs.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content import search
from app.content.sanitize import sanitize_html
from app.content.slugs import first_free, slugify
from tests.test_sanitizer import assert_safe

FEW = settings(max_examples=60, deadline=None)
FEWER = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

TAGS = ["script", "style", "img", "a", "div", "p", "svg", "math", "iframe", "object", "b",
        "table", "td", "form", "input", "textarea", "noscript", "template", "xmp", "title"]  # fmt: skip
ATTRIBUTES = ["href", "src", "onerror", "onclick", "style", "srcdoc", "xlink:href", "formaction",
              "lang", "dir", "width", "title", "data-x", "action"]  # fmt: skip
VALUES = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x", "data:text/html,x",
          "vbscript:x", "http://example.org/", "/relative", "x\" onerror=\"alert(1)", "alert(1)",
          "&#106;avascript:x", "expression(alert(1))", "rtl", "100"]  # fmt: skip


@st.composite
def html_fragments(draw) -> str:
    """Tag soup: nested, unclosed, mis-quoted elements with risky attributes and entities."""
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["open", "close", "text", "comment", "raw"]))
        if kind == "open":
            tag = draw(st.sampled_from(TAGS))
            attrs = draw(
                st.lists(
                    st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(VALUES)), max_size=3
                )
            )
            quote = draw(st.sampled_from(['"', "'", ""]))
            rendered = "".join(f" {name}={quote}{value}{quote}" for name, value in attrs)
            parts.append(f"<{tag}{rendered}{draw(st.sampled_from(['>', '/>', '']))}")
        elif kind == "close":
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif kind == "comment":
            parts.append(f"<!--{draw(st.text(max_size=10))}-->")
        elif kind == "raw":
            parts.append(draw(st.sampled_from(["<", ">", "&", "&lt;", "<!", "<?", "]]>", "\x00"])))
        else:
            parts.append(draw(st.text(max_size=15)))
    return "".join(parts)


@FEW
@given(html_fragments())
def test_sanitised_html_can_never_run_script(html):
    assert_safe(sanitize_html(html))


@FEW
@given(st.one_of(html_fragments(), st.text(max_size=200)))
def test_sanitising_twice_changes_nothing(html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@FEW
@given(st.text(max_size=300), st.integers(min_value=1, max_value=200))
def test_slugs_are_url_safe_and_bounded(text, max_length):
    slug = slugify(text, max_length=max_length)
    assert SLUG.fullmatch(slug), slug
    assert 1 <= len(slug) <= max_length


@FEW
@given(
    st.from_regex(SLUG, fullmatch=True), st.sets(st.from_regex(SLUG, fullmatch=True), max_size=8)
)
def test_a_free_slug_is_never_one_already_taken(base, taken):
    taken = taken | {base, f"{base}-2"}
    assert first_free(base, taken) not in taken


PARAMETER_URLS = ["/", "/?page={}", "/?lang={}", "/tag/{}/", "/author/{}/", "/category/{}/",
                  "/{}/", "/2024/{}/", "/2024/01/01/{}/", "/password/reset/{}",
                  "/invitation/{}", "/login?next={}"]  # fmt: skip


@pytest.mark.parametrize("pattern", PARAMETER_URLS)
def test_no_public_url_parameter_gives_a_500(client, pattern):
    @FEWER
    @given(st.text(max_size=40))
    def check(value):
        from urllib.parse import quote

        response = client.get(pattern.format(quote(value, safe="")))
        assert response.status_code < 500, (pattern, value, response.status_code)

    check()


_SNIPPET_WORDS = st.sampled_from(["kelp", "Kelp", "KELP", "sea", "of", "état", "etat", "a_b", "x1"])
_SNIPPET_TEXT = st.lists(
    st.one_of(_SNIPPET_WORDS, st.sampled_from([" ", ", ", " <b>", " & ", "\n", "'", '"', "—"])),
    max_size=120,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_SNIPPET_TEXT, st.lists(st.sampled_from(["kelp", "of", "etat", "a_b"]), min_size=1))
def test_a_search_snippet_shows_the_text_as_written_with_exactly_the_matching_words_marked(
    text, terms
):
    """In ASCII and in other text alike (two code paths): the snippet is a stretch of the text,
    escaped, every word in it that is one of the terms (ignoring case and accents) is marked,
    and no other word is."""
    shown = str(search.snippet(text, terms, words=8))
    assert "<" not in re.sub(r"</?mark>", "", shown)
    plain = re.sub(r"</?mark>", "", shown).removeprefix("… ").removesuffix(" …")
    assert unescape(plain) in text
    marked = re.findall(r"<mark>(.*?)</mark>", shown)
    assert all(search._fold(unescape(w)) in terms for w in marked)
    words = re.findall(r"\w+", unescape(re.sub(r"<mark>.*?</mark>", " ", shown)))
    assert not [w for w in words if search._fold(w) in terms]
