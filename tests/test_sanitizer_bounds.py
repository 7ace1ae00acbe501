"""The sanitiser's worst case is bounded: no body up to the cap can hold a worker for long.

Before, 39,800 nested <div>s took 115 s and a 33,000-row Markdown table 63 s (html5lib's work
grew with depth × tags, and its tree walker with the width of a table). Timing limits are
deliberately generous (CPU seconds, so a busy machine does not fail them); the bench
(``make bench``) prints the real figures.
"""

from __future__ import annotations

import time

import pytest

from app.content.rendering import render_markdown
from app.content.sanitize import MAX_NESTING_DEPTH, sanitize_html
from bench.worst_cases import BODY_CAP, WORST_CASES

GENEROUS_CPU_SECONDS = 20


@pytest.mark.parametrize("name", list(WORST_CASES))
def test_worst_case_bodies_render_in_bounded_time(name):
    body = WORST_CASES[name]
    assert len(body) <= BODY_CAP
    start = time.process_time()
    html = render_markdown(body)
    assert time.process_time() - start < GENEROUS_CPU_SECONDS, name
    assert "<script" not in html.lower()


def test_ordinary_nesting_is_kept_exactly():
    html = "<div>" * 30 + "<p>Deep <em>text</em></p>" + "</div>" * 30
    assert sanitize_html(html) == html


def test_nesting_beyond_the_limit_keeps_the_text_and_drops_only_tags():
    depth = MAX_NESTING_DEPTH + 50
    html = "".join(f"<div>level {n} " for n in range(depth)) + "</div>" * depth + "<p>after</p>"
    cleaned = sanitize_html(html)
    assert cleaned.count("<div>") == MAX_NESTING_DEPTH
    assert all(f"level {n} " in cleaned for n in range(depth))
    assert cleaned.endswith("<p>after</p>")


def test_wide_tables_keep_every_row():
    rows = 3000
    html = render_markdown(
        "| a | b |\n|---|---|\n" + "".join(f"| r{n} | x |\n" for n in range(rows))
    )
    assert html.count("<tr>") == rows + 1
    assert f"<td>r{rows - 1}</td>" in html
