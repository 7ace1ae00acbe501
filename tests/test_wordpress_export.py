"""Export to WordPress (WXR 1.2) and the round trip: export, import into an empty site, compare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.importers.wordpress.exporter import export_wordpress
from app.importers.wordpress.importer import import_wordpress
from app.importers.wordpress.wxr import Item, WXRReader
from app.models import Category, Page, Post, PostStatus, Tag
from tests.factories import make_category, make_page, make_post, make_user


def _site(tmp_path) -> None:
    """A small site with everything an export must carry."""
    alice = make_user(name="Alice Author", email="alice@example.org")
    bob = make_user(name="Bob Writer", email="bob@example.org")
    news = make_category("News", description="What happened")
    make_category("Local", parent=news)
    make_post(
        alice,
        title="Published “quotes” & <markup>",
        body="Para *one*\n\nPara two\nline",
        slug="published",
        category_ids=[news.id],
        tag_names=["Climate", "Énergie"],
        excerpt="My teaser",
        sticky=True,
    )
    make_post(
        bob,
        title="Brouillon",
        body="Texte",
        slug="brouillon",
        status=PostStatus.DRAFT.value,
        language="fr",
    )
    make_post(
        alice,
        title="Später",
        body="Geplant",
        slug="spater",
        published_at=(datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0),
        language="de",
    )
    make_post(
        bob,
        title="Staff memo",
        body="Private text",
        slug="memo",
        status=PostStatus.PRIVATE.value,
        published_at=datetime(2024, 5, 1, 8, tzinfo=UTC),
    )
    make_post(alice, title="Members", body="Secret", slug="members", password="pw1")
    greek = make_post(alice, title="Ελληνικά", body="Κείμενο", language="el")
    greek.slug = "ελληνικά"  # as imported from WordPress
    db.session.commit()
    about = make_page("About us", body="Who we are", slug="about")
    make_page("Team", body="People", slug="team", parent=about, menu_order=3)
    make_page("Draft page", body="Soon", slug="soon", status=PostStatus.DRAFT.value)


def _snapshot() -> dict:
    posts = {
        p.slug: (
            p.title, p.body_html, p.status, p.published_at, p.language, p.sticky, p.password,
            p.custom_excerpt, p.author.display_name,
            sorted(c.slug for c in p.categories), sorted(t.name for t in p.tags),
        )
        for p in db.session.scalars(select(Post))
    }  # fmt: skip
    pages = {
        p.slug: (p.title, p.body_html, p.status, p.menu_order, p.parent.slug if p.parent else None)
        for p in db.session.scalars(select(Page))
    }
    categories = {
        c.slug: (c.name, c.description, c.parent.slug if c.parent else None)
        for c in db.session.scalars(select(Category))
    }
    tags = {t.slug: t.name for t in db.session.scalars(select(Tag))}
    return {"posts": posts, "pages": pages, "categories": categories, "tags": tags}


def test_export_is_wxr_1_2_with_everything(app, tmp_path):
    _site(tmp_path)
    out = tmp_path / "site.xml"
    counts = export_wordpress(out, "https://new.example.org")
    assert counts == {"authors": 2, "categories": 3, "tags": 2, "posts": 6, "pages": 3}
    text = out.read_text(encoding="utf-8")
    assert 'xmlns:wp="http://wordpress.org/export/1.2/"' in text
    assert "<wp:wxr_version>1.2</wp:wxr_version>" in text
    items = [e for e in WXRReader(out) if isinstance(e, Item)]
    statuses = sorted(i.status for i in items if i.post_type == "post")
    assert statuses == ["draft", "future", "private", "publish", "publish", "publish"]
    greek = next(i for i in items if i.title == "Ελληνικά")
    assert greek.post_name.startswith("%") and greek.link.startswith("https://new.example.org/")
    members = next(i for i in items if i.title == "Members")
    assert members.password == "pw1"
    ids = [i.old_id for i in items]
    assert len(ids) == len(set(ids))  # WordPress ids are unique across posts and pages
    team = next(i for i in items if i.title == "Team")
    about = next(i for i in items if i.title == "About us")
    assert team.post_parent == about.old_id
    assert ("language", "fr", "fr") in next(i for i in items if i.title == "Brouillon").terms


def test_round_trip_gives_the_same_site(app, tmp_path):
    _site(tmp_path)
    before = _snapshot()
    out = tmp_path / "site.xml"
    export_wordpress(out, "https://new.example.org")

    # An empty site: the same database, emptied (a second PostgreSQL app would share it).
    db.session.remove()
    db.drop_all()
    db.create_all()
    report = import_wordpress(out)
    assert report.counts["posts"]["imported"] == 6
    after = _snapshot()
    assert after["categories"] == before["categories"]
    assert after["tags"] == before["tags"]
    assert after["pages"] == before["pages"]
    assert after["posts"].keys() == before["posts"].keys()
    for slug, values in before["posts"].items():
        assert after["posts"][slug] == values, slug


def test_export_command(app, tmp_path):
    _site(tmp_path)
    result = app.test_cli_runner().invoke(args=["export-wordpress", str(tmp_path / "out.xml")])
    assert result.exit_code == 0, result.output
    assert "6 posts" in result.output and (tmp_path / "out.xml").is_file()
