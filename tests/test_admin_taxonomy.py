"""Editors organise posts with categories (a tree) and tags (flat) in the staff area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.content.taxonomy import default_category, save_category, save_tag
from app.extensions import db
from app.models import Category, Post, Tag
from tests.conftest import card_titles, count_queries, csrf_token_from, login, post_form
from tests.content_factories import make_filed_post
from tests.factories import make_user


def _category(slug: str) -> Category | None:
    db.session.expire_all()
    return db.session.scalar(select(Category).where(Category.slug == slug))


def _tag(slug: str) -> Tag | None:
    db.session.expire_all()
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def _new_category(client, name: str, slug: str = "", parent: int | None = None, **extra):
    data = {"name": name, "slug": slug, "parent": str(parent or ""), "description": "", **extra}
    return post_form(client, "/admin/categories/new", data)


@pytest.fixture
def editor_client(client):
    make_user("editor", email="editor@example.org")
    login(client, "editor@example.org")
    return client


# Categories ----------------------------------------------------------------------------------


def test_nested_category_made_in_admin_shows_its_posts_in_the_parent_archive(editor_client):
    response = _new_category(editor_client, "Reports", description="What we found.")
    assert response.status_code == 302
    reports = _category("reports")
    assert _new_category(editor_client, "Annual reports", parent=reports.id).status_code == 302
    annual = _category("annual-reports")
    assert annual.parent_id == reports.id
    make_filed_post(make_user(), "Report 2023", category_ids=[annual.id])

    listing = editor_client.get("/admin/categories").text
    assert listing.index(">Reports</a>") < listing.index(">Annual reports</a>")
    assert 'class="tree-depth-1">' in listing.split(">Reports</a>")[1].split(">Annual reports")[0]

    archive = editor_client.get("/category/reports/").text
    assert "What we found." in archive
    assert card_titles(archive) == ["Report 2023"]


def test_empty_slug_is_made_from_the_name_and_a_taken_slug_is_refused(editor_client):
    assert _new_category(editor_client, "Fragwürdige Berichte").status_code == 302
    assert _category("fragwurdige-berichte") is not None

    response = _new_category(editor_client, "Other", slug="fragwurdige-berichte")
    assert response.status_code == 200
    assert "Another category already uses this slug." in response.text
    assert 'value="Other"' in response.text
    assert _category("other") is None

    response = _new_category(editor_client, "Shouting", slug="NOT A SLUG")
    assert "Use lower-case letters, digits and single hyphens." in response.text
    assert 'value="NOT A SLUG"' in response.text


def test_the_default_category_can_be_renamed(editor_client):
    uncategorized = default_category()
    db.session.commit()
    make_filed_post(make_user(), "Loose post")
    response = post_form(
        editor_client,
        f"/admin/categories/{uncategorized.id}/edit",
        {"name": "General", "slug": "general", "parent": "", "description": ""},
    )
    assert response.status_code == 302
    renamed = _category("general")
    assert renamed.id == uncategorized.id and renamed.is_default
    archive = editor_client.get("/category/general/").text
    assert '<h1 class="archive-header__title">General</h1>' in archive
    assert card_titles(archive) == ["Loose post"]


def test_the_default_category_cannot_be_deleted(editor_client):
    uncategorized = default_category()
    db.session.commit()
    listing = editor_client.get("/admin/categories").text
    assert f"/admin/categories/{uncategorized.id}/delete" not in listing
    page = editor_client.get(f"/admin/categories/{uncategorized.id}/delete")
    assert "cannot be deleted" in page.text
    assert "Delete category</button>" not in page.text

    token = csrf_token_from(page.text)
    response = editor_client.post(
        f"/admin/categories/{uncategorized.id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert "renamed but not deleted" in editor_client.get(response.headers["Location"]).text
    assert _category(uncategorized.slug) is not None


def test_deleting_a_category_files_posts_left_without_one_under_the_default(editor_client):
    campaigns = save_category(None, name="Campaigns")
    letters = save_category(None, name="Letters")
    db.session.commit()
    author = make_user()
    only = make_filed_post(author, "Only a campaign", category_ids=[campaigns.id])
    both = make_filed_post(author, "Campaign letter", category_ids=[campaigns.id, letters.id])

    confirm = editor_client.get(f"/admin/categories/{campaigns.id}/delete")
    assert "Delete this category?" in confirm.text and "2 posts" in confirm.text
    response = post_form(editor_client, f"/admin/categories/{campaigns.id}/delete", {})
    assert response.status_code == 302

    assert _category("campaigns") is None
    assert editor_client.get("/category/campaigns/").status_code == 404
    assert [c.name for c in db.session.get(Post, only.id).categories] == ["Uncategorized"]
    assert [c.name for c in db.session.get(Post, both.id).categories] == ["Letters"]
    assert card_titles(editor_client.get("/category/uncategorized/").text) == ["Only a campaign"]


def test_a_category_cannot_be_moved_inside_its_own_subcategory(editor_client):
    parent = save_category(None, name="Reports")
    child = save_category(None, name="Annual", parent=parent)
    db.session.commit()
    response = post_form(
        editor_client,
        f"/admin/categories/{parent.id}/edit",
        {"name": "Reports renamed", "slug": "reports", "parent": str(child.id), "description": ""},
    )
    assert response.status_code == 200
    assert "cannot be placed inside itself or its own sub-category" in response.text
    assert 'value="Reports renamed"' in response.text
    reports = _category("reports")
    assert reports.parent_id is None and reports.name == "Reports"


# Tags ----------------------------------------------------------------------------------------


def test_editor_creates_and_renames_a_tag(editor_client):
    response = post_form(
        editor_client,
        "/admin/tags/new",
        {"name": "Family reunification", "slug": "", "description": "Families apart."},
    )
    assert response.status_code == 302
    tag = _tag("family-reunification")
    make_filed_post(make_user(), "Together again", tag_names=["Family reunification"])
    response = post_form(
        editor_client,
        f"/admin/tags/{tag.id}/edit",
        {"name": "Reunification", "slug": "reunification", "description": "Families apart."},
    )
    assert response.status_code == 302
    archive = editor_client.get("/tag/reunification/").text
    assert '<h1 class="archive-header__title">Reunification</h1>' in archive
    assert card_titles(archive) == ["Together again"]
    assert editor_client.get("/tag/family-reunification/").status_code == 404


def test_a_tag_slug_in_use_is_refused_and_the_input_kept(editor_client):
    save_tag(None, name="Asylum")
    db.session.commit()
    response = post_form(
        editor_client, "/admin/tags/new", {"name": "Asyl", "slug": "asylum", "description": "x"}
    )
    assert response.status_code == 200
    assert "Another tag already uses this slug." in response.text
    assert 'value="Asyl"' in response.text
    assert _tag("asyl") is None


def test_merging_tags_moves_the_posts_and_removes_the_source(editor_client):
    author = make_user()
    make_filed_post(author, "Only visa", tag_names=["Visa"])
    make_filed_post(author, "Both", tag_names=["Visa", "Visas"])
    make_filed_post(author, "Only visas", tag_names=["Visas"])
    source, target = _tag("visa"), _tag("visas")

    response = post_form(
        editor_client,
        "/admin/tags/merge",
        {"source": str(source.id), "target": str(target.id)},
    )
    assert response.status_code == 302
    assert "2 posts moved" in editor_client.get("/admin/tags").text
    assert _tag("visa") is None
    assert editor_client.get("/tag/visa/").status_code == 404
    assert sorted(card_titles(editor_client.get("/tag/visas/").text)) == [
        "Both",
        "Only visa",
        "Only visas",
    ]


def test_merging_a_tag_into_itself_is_refused(editor_client):
    tag = save_tag(None, name="Visa")
    db.session.commit()
    response = post_form(
        editor_client, "/admin/tags/merge", {"source": str(tag.id), "target": str(tag.id)}
    )
    assert response.status_code == 200
    assert "Choose two different tags." in response.text
    assert _tag("visa") is not None


def test_deleting_a_tag_keeps_its_posts(editor_client):
    post = make_filed_post(make_user(), "Still here", tag_names=["Temporary"])
    tag = _tag("temporary")
    confirm = editor_client.get(f"/admin/tags/{tag.id}/delete").text
    assert "Delete this tag?" in confirm and "1 post " in confirm
    response = post_form(editor_client, f"/admin/tags/{tag.id}/delete", {})
    assert response.status_code == 302
    assert _tag("temporary") is None
    assert editor_client.get("/tag/temporary/").status_code == 404
    kept = db.session.get(Post, post.id)
    assert kept.tags == [] and [c.name for c in kept.categories] == ["Uncategorized"]
    assert "Still here" in card_titles(editor_client.get("/").text)


# Who may do it -------------------------------------------------------------------------------

TAXONOMY_URLS = [
    ("get", "/admin/categories"),
    ("get", "/admin/categories/new"),
    ("post", "/admin/categories/new"),
    ("get", "/admin/categories/{category}/edit"),
    ("post", "/admin/categories/{category}/edit"),
    ("get", "/admin/categories/{category}/delete"),
    ("post", "/admin/categories/{category}/delete"),
    ("get", "/admin/tags"),
    ("get", "/admin/tags/new"),
    ("post", "/admin/tags/new"),
    ("get", "/admin/tags/{tag}/edit"),
    ("post", "/admin/tags/{tag}/edit"),
    ("get", "/admin/tags/merge"),
    ("post", "/admin/tags/merge"),
    ("get", "/admin/tags/{tag}/delete"),
    ("post", "/admin/tags/{tag}/delete"),
]


def _terms() -> dict[str, int]:
    category = save_category(None, name="Kept")
    tag = save_tag(None, name="Kept tag")
    db.session.commit()
    return {"category": category.id, "tag": tag.id}


@pytest.mark.parametrize(("method", "url"), TAXONOMY_URLS)
def test_authors_get_403_on_taxonomy_screens(client, method, url):
    ids = _terms()
    make_user("author", email="author@example.org")
    login(client, "author@example.org")
    token = csrf_token_from(client.get("/admin/").text)
    data = {"csrf_token": token, "name": "Hijacked", "slug": "", "parent": "", "description": ""}
    response = getattr(client, method)(url.format(**ids), data=data)
    assert response.status_code == 403
    assert _category("kept").name == "Kept" and _tag("kept-tag") is not None
    nav = client.get("/admin/").text.split('aria-label="Staff area"')[1].split("</nav>")[0]
    assert "Categories" not in nav and "Tags" not in nav


@pytest.mark.parametrize(("method", "url"), TAXONOMY_URLS)
def test_anonymous_visitors_are_sent_to_login_from_taxonomy_screens(client, method, url):
    ids = _terms()
    token = csrf_token_from(client.get("/login").text)
    response = getattr(client, method)(url.format(**ids), data={"csrf_token": token})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _category("kept") is not None and _tag("kept-tag") is not None


@pytest.mark.parametrize("role", ["editor", "admin"])
@pytest.mark.parametrize("url", ["/admin/categories", "/admin/tags", "/admin/tags/merge"])
def test_editors_and_admins_reach_taxonomy_screens(client, role, url):
    make_user(role, email="staff@example.org")
    login(client, "staff@example.org")
    response = client.get(url)
    assert response.status_code == 200
    nav = response.text.split('aria-label="Staff area"')[1].split("</nav>")[0]
    assert ">Categories</a>" in nav and ">Tags</a>" in nav


@pytest.mark.parametrize(
    "url", ["/admin/categories/new", "/admin/tags/new", "/admin/categories/{category}/delete"]
)
def test_changes_without_a_csrf_token_are_refused(editor_client, url):
    ids = _terms()
    response = editor_client.post(
        url.format(**ids), data={"name": "No token", "slug": "", "parent": "", "description": ""}
    )
    assert response.status_code == 400
    assert _category("no-token") is None and _tag("no-token") is None
    assert _category("kept") is not None


# Speed ---------------------------------------------------------------------------------------


def _fill(start: int, stop: int) -> None:
    """Categories (every other one nested in the one before), tags, and a post in each."""
    author = make_user()
    parent = None
    for n in range(start, stop):
        category = save_category(None, name=f"Section {n}", parent=parent if n % 2 else None)
        parent = category
        save_tag(None, name=f"Topic {n}")
        db.session.flush()
        make_filed_post(author, f"Post {n}", category_ids=[category.id], tag_names=[f"Topic {n}"])


def _queries(app, client, url: str) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/admin/categories", "/admin/tags"])
def test_category_and_tag_lists_cost_the_same_queries_for_3_or_30(app, editor_client, url):
    _fill(0, 3)
    editor_client.get(url)  # both counts after a first view (the site chrome is kept per state)
    with_3 = _queries(app, editor_client, url)
    _fill(3, 30)
    page = editor_client.get(url).text
    assert "Section 29" in page or "Topic 29" in page
    assert _queries(app, editor_client, url) == with_3
