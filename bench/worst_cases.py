"""Hostile post bodies at the body cap (200,000 characters), shared by the test and the bench.

Each one made the sanitiser (html5lib inside bleach) or the Markdown renderer superlinear
before its worst case was bounded: deep nesting, very wide tables, piles of formatting tags.
"""

from __future__ import annotations

BODY_CAP = 200_000


def _fill(unit: str, prefix: str = "") -> str:
    return (prefix + unit * (BODY_CAP // len(unit) + 1))[:BODY_CAP]


WORST_CASES: dict[str, str] = {
    "nested <div> (39,800 deep)": _fill("<div>"),
    "nested <div> 100 deep, repeated": _fill("<div>" * 100 + "</div>" * 100),
    "Markdown table, 33,000 rows": _fill("| x | y |\n", "| a | b |\n|---|---|\n"),
    "HTML table rows without end tags": _fill("<tr><td>x", "<table>"),
    "<b><p> repeated (formatting elements)": _fill("<b><p>"),
    "nested lists with spans": _fill("<li><span>", "<ul>"),
    "unclosed links": _fill("<a href=x>"),
    "nested Markdown quotes": _fill(">")[:-2] + " x",
}
