"""Admins choose which pages and category archives the header menu shows, and in what order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.content.menu import add_menu_item
from app.content.pages import PageDraft, save_page
from app.content.taxonomy import save_category
from app.extensions import db
from app.models import MenuItem, Page
from tests.conftest import csrf_token_from, login, post_form
from tests.factories import SETUP, make_user

MENU_LINK = re.compile(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a></li>')


def header_links(html: str) -> list[tuple[str, str]]:
    """(label, url) of the public header menu after "Home", before the staff links."""
    nav = html.split('<nav class="site-nav" aria-label="Main">')[1].split("</nav>")[0]
    links = [(label, url) for url, label in MENU_LINK.findall(nav)]
    return [link for link in links if link[0] not in {"Home", "Dashboard"}]


@pytest.fixture
def site():
    about = save_page(
        None, PageDraft(title="About us", body_source="x", status="published"), by=SETUP
    )
    draft = save_page(
        None, PageDraft(title="Coming soon", body_source="x", status="draft"), by=SETUP
    )
    reports = save_category(None, name="Reports")
    db.session.commit()
    return {"about": about.id, "draft": draft.id, "reports": reports.id}


@pytest.fixture
def admin_client(client):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    return client


def _add(client, target: str, label: str = ""):
    return post_form(client, "/admin/menu/add", {"target": target, "label": label}, "/admin/menu")


def _item_ids() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(MenuItem.id).order_by(MenuItem.position)))


def test_admin_builds_the_header_menu_and_reorders_it(app, admin_client, site):
    assert _add(admin_client, f"page:{site['about']}").status_code == 302
    assert _add(admin_client, f"category:{site['reports']}", "Our reports").status_code == 302
    visitor = app.test_client()
    assert header_links(visitor.get("/").text) == [
        ("About us", "/about-us/"),
        ("Our reports", "/category/reports/"),
    ]

    about_item, reports_item = _item_ids()
    response = post_form(
        admin_client, f"/admin/menu/{reports_item}/move", {"direction": "up"}, "/admin/menu"
    )
    assert response.status_code == 302
    assert header_links(visitor.get("/").text) == [
        ("Our reports", "/category/reports/"),
        ("About us", "/about-us/"),
    ]
    # Moving the first entry further up changes nothing.
    post_form(admin_client, f"/admin/menu/{reports_item}/move", {"direction": "up"}, "/admin/menu")
    assert _item_ids() == [reports_item, about_item]

    post_form(
        admin_client, f"/admin/menu/{reports_item}/move", {"direction": "down"}, "/admin/menu"
    )
    assert [label for label, _ in header_links(visitor.get("/").text)] == [
        "About us",
        "Our reports",
    ]

    response = post_form(admin_client, f"/admin/menu/{about_item}/remove", {}, "/admin/menu")
    assert response.status_code == 302
    assert header_links(visitor.get("/").text) == [("Our reports", "/category/reports/")]


def test_admin_menu_screen_lists_entries_in_order(admin_client, site):
    _add(admin_client, f"category:{site['reports']}")
    _add(admin_client, f"page:{site['draft']}")
    screen = admin_client.get("/admin/menu").text
    assert screen.index("Category: <a") < screen.index("Page: <a")
    assert "Draft, hidden" in screen


def test_a_draft_page_in_the_menu_stays_hidden_until_published(app, admin_client, site):
    assert _add(admin_client, f"page:{site['draft']}").status_code == 302
    assert header_links(app.test_client().get("/").text) == []


def test_the_same_page_cannot_be_added_twice(admin_client, site):
    _add(admin_client, f"page:{site['about']}")
    response = _add(admin_client, f"page:{site['about']}", "Again")
    assert response.status_code == 200
    assert "“About us” is already in the menu." in response.text
    assert 'value="Again"' in response.text
    assert len(_item_ids()) == 1


def test_adding_nothing_is_refused(admin_client, site):
    response = _add(admin_client, "")
    assert "Choose a page or a category." in response.text
    assert _item_ids() == []


def test_menu_entry_goes_when_its_page_is_deleted(app, admin_client, site):
    _add(admin_client, f"page:{site['about']}")
    response = post_form(admin_client, f"/admin/pages/{site['about']}/delete", {})
    assert response.status_code == 302
    assert _item_ids() == []
    assert header_links(app.test_client().get("/").text) == []


def _menu_urls(item_id: int):
    return [
        ("get", "/admin/menu", {}),
        ("post", "/admin/menu/add", {"target": "page:1", "label": "x"}),
        ("post", f"/admin/menu/{item_id}/move", {"direction": "down"}),
        ("post", f"/admin/menu/{item_id}/remove", {}),
    ]


@pytest.mark.parametrize("role", ["author", "editor"])
def test_only_admins_manage_the_menu(client, site, role):
    page = db.session.get(Page, site["about"])
    item = add_menu_item(page=page)
    db.session.commit()
    make_user(role, email="staff@example.org")
    login(client, "staff@example.org")
    dashboard = client.get("/admin/")
    assert ">Menu</a>" not in dashboard.text.split('aria-label="Staff area"')[1].split("</nav>")[0]
    token = csrf_token_from(dashboard.text)
    for method, url, data in _menu_urls(item.id):
        response = getattr(client, method)(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
    assert _item_ids() == [item.id]


def test_anonymous_visitors_are_sent_to_login_from_the_menu(client, site):
    page = db.session.get(Page, site["about"])
    item = add_menu_item(page=page)
    db.session.commit()
    token = csrf_token_from(client.get("/login").text)
    for method, url, data in _menu_urls(item.id):
        response = getattr(client, method)(url, data={**data, "csrf_token": token})
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    assert _item_ids() == [item.id]


def test_menu_changes_without_a_csrf_token_are_refused(admin_client, site):
    _add(admin_client, f"page:{site['about']}")
    _add(admin_client, f"category:{site['reports']}")
    first, second = _item_ids()
    assert (
        admin_client.post(f"/admin/menu/{second}/move", data={"direction": "up"}).status_code == 400
    )
    assert admin_client.post(f"/admin/menu/{first}/remove").status_code == 400
    assert admin_client.post("/admin/menu/add", data={"target": "page:1"}).status_code == 400
    assert _item_ids() == [first, second]


def test_a_bad_direction_is_refused(admin_client, site):
    _add(admin_client, f"page:{site['about']}")
    _add(admin_client, f"category:{site['reports']}")
    first, second = _item_ids()
    response = post_form(
        admin_client, f"/admin/menu/{first}/move", {"direction": "sideways"}, "/admin/menu"
    )
    assert response.status_code == 400
    assert _item_ids() == [first, second]
