"""Names sort the way readers expect in staff lists and pickers: case and accents only break
ties, so "Über uns" sits with "uber" and "consular access" comes before "United Nations"."""

from __future__ import annotations

import re

from app.content.collation import collated
from app.content.taxonomy import save_category, save_tag
from app.extensions import db
from tests.conftest import login
from tests.factories import make_page, make_user

NAMES = ["United Nations", "Zebra crossing", "consular access", "Über uns", "uber", "Ärzte"]
EXPECTED = ["Ärzte", "consular access", "uber", "Über uns", "United Nations", "Zebra crossing"]


def test_collation_ignores_case_and_accents_first():
    assert collated(NAMES, str) == EXPECTED


def _names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: html.index(name))


def test_staff_lists_and_the_menu_picker_follow_the_same_order(client):
    make_user(email="admin@example.org", role="admin")
    for name in NAMES:
        save_tag(None, name=name)
        save_category(None, name=name)
        make_page(name)
    db.session.commit()
    login(client, "admin@example.org")
    tags = client.get("/admin/tags").text
    assert _names_in_order(tags, NAMES) == EXPECTED
    categories = client.get("/admin/categories").text
    assert _names_in_order(categories, NAMES) == EXPECTED
    pages = client.get("/admin/pages").text
    assert _names_in_order(pages, NAMES) == EXPECTED
    picker = client.get("/admin/menu").text
    options = re.findall(r"<option[^>]*>([^<]+)</option>", picker)
    page_options = [o for o in options if o.strip() in NAMES]
    assert [o.strip() for o in page_options][: len(NAMES)] == EXPECTED


def test_authors_sort_by_collation_in_the_user_list(client):
    make_user(email="admin@example.org", role="admin", name="zara Admin")
    make_user(email="e@example.org", name="Émile Zola")
    make_user(email="a@example.org", name="Ahmad")
    login(client, "admin@example.org")
    html = client.get("/admin/users").text
    assert _names_in_order(html, ["zara Admin", "Émile Zola", "Ahmad"]) == [
        "Ahmad",
        "Émile Zola",
        "zara Admin",
    ]
