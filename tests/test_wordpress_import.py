"""Moving in from WordPress: the theme unit test export end to end, and the hard cases."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.content.pages import page_path
from app.extensions import db
from app.importers.wordpress.importer import ImportFailed, Options, import_wordpress
from app.importers.wordpress.wxr import Item, WXRReader
from app.models import (
    Category,
    ImportRun,
    MenuItem,
    Page,
    Post,
    PostStatus,
    Redirect,
    Tag,
    User,
    utcnow,
)
from tests.conftest import SHARED_TESTDATA, csrf_token_from, login
from tests.factories import make_user
from tests.wxr_builder import WxrPost, write, wxr

THEME_UNIT_TEST = SHARED_TESTDATA / "wordpress" / "themeunittestdata.wordpress.xml"


def _theme_export():
    if not THEME_UNIT_TEST.is_file():
        message = f"WordPress theme unit test export not found at {THEME_UNIT_TEST}"
        if os.environ.get("REQUIRE_SHARED_TESTDATA") == "1":
            pytest.fail(f"REQUIRE_SHARED_TESTDATA=1 but {message}")
        pytest.skip(message)
    return THEME_UNIT_TEST


def _items(path) -> list[Item]:
    return [entry for entry in WXRReader(path) if isinstance(entry, Item)]


def _follow(client, link: str):
    """GET an old link's path and query, following at most three redirects."""
    parts = urlsplit(link)
    # PATH_INFO as a server passes it (the theme data has a link with "//" in its path, which
    # the test client would otherwise read as a host name). WSGI paths are latin-1 decoded bytes.
    raw_path = unquote(parts.path).encode().decode("latin-1")
    response = client.get(
        "/", environ_overrides={"PATH_INFO": raw_path, "QUERY_STRING": parts.query}
    )
    hops = 0
    while response.status_code in (301, 308) and hops < 3:
        response = client.get(response.headers["Location"])
        hops += 1
    return response


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _site_snapshot() -> dict[str, int]:
    return {
        m.__tablename__: _count(m)
        for m in (User, Post, Page, Category, Tag, Redirect, MenuItem, ImportRun)
    }


# ---------------------------------------------------------------------------------------------
# The WordPress theme unit test data


def test_theme_unit_test_export_moves_in_completely(app, client):
    path = _theme_export()
    items = _items(path)
    report = import_wordpress(path)
    db.session.expire_all()

    posts = [i for i in items if i.post_type == "post"]
    pages = [i for i in items if i.post_type == "page"]
    counts = report.counts
    assert counts["posts"]["found"] == len(posts) == 58
    assert counts["posts"]["imported"] == 58
    assert counts["pages"]["imported"] == len(pages) == 21
    assert counts["categories"]["found"] == 68
    assert counts["attachments"]["found"] == 37
    assert counts["comments"]["found"] == 33 and counts["comments"]["skipped"] == 33
    assert counts["menu items"]["found"] == 70
    assert _count(Post) == 58 and _count(Page) == 21
    by_status = dict(
        db.session.execute(select(Post.status, func.count()).group_by(Post.status)).all()
    )
    assert by_status == {"published": 57, "draft": 1}  # the future post is published, later

    # Every title round-trips byte for byte (the empty one gets a visible placeholder).
    stored = set(db.session.scalars(select(Post.title))) | set(
        db.session.scalars(select(Page.title))
    )
    for item in posts + pages:
        assert (item.title if item.title.strip() else "(no title)") in stored
    markup_item = next(i for i in posts if "<" in i.title)
    shown = _follow(client, markup_item.link).text
    assert str(escape(markup_item.title)) in shown  # markup shown as text, never executed
    assert markup_item.title not in shown

    # The page tree is kept.
    for item in pages:
        page = db.session.scalar(select(Page).where(Page.title == item.title))
        parent_title = next((p.title for p in pages if p.old_id == item.post_parent), None)
        assert (page.parent.title if page.parent else None) == parent_title
        assert page.menu_order == item.menu_order

    # The category tree is kept, and the post with 65 categories has them all.
    grandchild = db.session.scalar(select(Category).where(Category.slug == "child-category-03"))
    if grandchild is not None:
        assert grandchild.parent is not None
    assert _count(Category, Category.parent_id.is_not(None)) >= 9
    # Every post has exactly its categories and tags (the "many categories" post has 63 here).
    for item in posts:
        post = db.session.scalar(select(Post).where(Post.title == (item.title or "(no title)")))
        wanted = {unquote(s) for d, s, _n in item.terms if d == "category"} or {"uncategorized"}
        assert {c.slug for c in post.categories} == wanted, item.title
        assert {t.slug for t in post.tags} == {
            unquote(s) for d, s, _n in item.terms if d == "post_tag"
        }
    assert max(len(p.categories) for p in db.session.scalars(select(Post))) == 63

    # Sticky is pinned, the future post is not public, the password post hides its body.
    sticky = db.session.scalar(select(Post).where(Post.sticky.is_(True)))
    assert sticky is not None and sticky.title == "Template: Sticky"
    future_item = next(i for i in posts if i.status == "future")
    future = db.session.scalar(select(Post).where(Post.title == future_item.title))
    assert future.published_at > utcnow()
    assert future_item.title not in client.get("/").text
    from app.templating import post_url

    with app.test_request_context():
        future_url = post_url(future)
        protected = db.session.scalar(select(Post).where(Post.password.is_not(None)))
        protected_url = post_url(protected)
    assert client.get(future_url).status_code == 404
    page = client.get(protected_url)
    assert page.status_code == 200
    assert 'name="post_password"' in page.text
    body_words = re.sub(r"<[^>]+>", " ", protected.body_html).split()
    assert body_words and " ".join(body_words[:6]) not in page.text

    # Captions became figures with figcaptions.
    captioned = [p for p in db.session.scalars(select(Post)) if "<figcaption>" in p.body_html]
    assert captioned
    assert not any("[caption" in p.body_html for p in db.session.scalars(select(Post)))

    # Every <link> of a published item answers 200, or 301 to a page that answers 200.
    for item in posts + pages:
        if item.status != "publish":
            continue
        response = _follow(client, item.link)
        assert response.status_code == 200, (item.link, response.status_code)
        assert str(escape(item.title or "(no title)")) in response.text

    # ?p=ID answers too, with tracking parameters ignored.
    first = next(i for i in posts if i.status == "publish")
    response = client.get(f"/?p={first.old_id}&utm_source=newsletter")
    assert response.status_code == 301


def test_second_import_of_the_theme_export_changes_nothing(app):
    path = _theme_export()
    import_wordpress(path)
    before = _site_snapshot()
    report = import_wordpress(path)
    after = _site_snapshot()
    assert after == {**before, "import_runs": before["import_runs"] + 1}
    assert report.counts["posts"]["unchanged"] == 58
    assert report.counts["pages"]["unchanged"] == 21
    assert not report.changed_anything
    assert "Nothing changed" in "\n".join(report.lines())


# ---------------------------------------------------------------------------------------------
# Hand-made exports for the hard cases


def _basic(tmp_path, posts=None, **kwargs):
    posts = posts or [
        WxrPost(
            1, "First post", "Hello\n\nWorld", slug="first-post", categories=[("news", "News")]
        ),
        WxrPost(2, "Second", "Two", slug="second", tags=[("tag-a", "Tag A")]),
    ]
    return write(
        tmp_path / "export.xml",
        wxr(
            posts, categories=[("5", "news", "News", "")], tags=[("6", "tag-a", "Tag A")], **kwargs
        ),
    )


def test_paragraphs_excerpt_and_authors_come_through(app, tmp_path):
    path = _basic(
        tmp_path,
        [
            WxrPost(
                1,
                "“Curly” quotes\u00a0and <b>markup</b>",
                "Teaser here<!--more-->\n\nRest\nof it",
                slug="curly",
            )
        ],
    )
    import_wordpress(path)
    post = db.session.scalar(select(Post))
    assert post.title == "“Curly” quotes\u00a0and <b>markup</b>"
    assert post.body_html == "<p>Teaser here</p>\n<p>Rest<br>\nof it</p>"
    assert post.excerpt == "Teaser here"
    author = post.author
    assert author.email == "alice@old.example.org"
    assert author.display_name == "Alice"
    assert author.password_hash is None and author.active is False
    assert author.role == "author"


def test_default_role_option(app, tmp_path):
    import_wordpress(_basic(tmp_path), Options(default_role="editor"))
    assert db.session.scalar(select(User.role)) == "editor"


def test_newer_export_updates_changes_and_adds_new_items(app, tmp_path):
    import_wordpress(_basic(tmp_path))
    newer = _basic(
        tmp_path,
        [
            WxrPost(1, "First post, corrected", "Hello again", slug="first-post"),
            WxrPost(2, "Second", "Two", slug="second", tags=[("tag-a", "Tag A")]),
            WxrPost(3, "Third", "New", slug="third"),
        ],
    )
    report = import_wordpress(newer)
    assert report.counts["posts"]["updated"] == 1
    assert report.counts["posts"]["unchanged"] == 1
    assert report.counts["posts"]["imported"] == 1
    assert _count(Post) == 3
    first = db.session.scalar(select(Post).where(Post.slug == "first-post"))
    assert first.title == "First post, corrected"
    assert first.body_html == "<p>Hello again</p>"


def test_local_edits_are_not_overwritten_unless_asked(app, tmp_path):
    import_wordpress(_basic(tmp_path))
    post = db.session.scalar(select(Post).where(Post.slug == "first-post"))
    post.title = "Edited here"
    db.session.commit()
    newer = _basic(tmp_path, [WxrPost(1, "Changed there", "x", slug="first-post")])
    report = import_wordpress(newer)
    db.session.expire_all()
    assert db.session.get(Post, post.id).title == "Edited here"
    assert report.local_edits == [{"kind": "posts", "old_id": 1, "title": "Changed there"}]
    assert "not overwritten" in "\n".join(report.lines())
    import_wordpress(newer, Options(overwrite_local_edits=True))
    db.session.expire_all()
    assert db.session.get(Post, post.id).title == "Changed there"


def test_broken_file_half_way_changes_nothing(app, tmp_path):
    import_wordpress(_basic(tmp_path))
    before = _site_snapshot()
    text = wxr([WxrPost(n, f"Post {n}", "x", slug=f"p{n}") for n in range(10, 60)])
    broken = text.replace("<title>Post 40</title>", "<title>Post 40</titel>")
    path = write(tmp_path / "broken.xml", broken)
    with pytest.raises(ImportFailed) as failure:
        import_wordpress(path)
    assert "after item 30 (old id 39, “Post 39”)" in str(failure.value)
    assert "line 40" in str(failure.value)
    assert _site_snapshot() == before


def test_database_error_rolls_everything_back(app, tmp_path, monkeypatch):
    from app.importers.wordpress import importer

    def explode(self, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.WordPressImport, "_add_redirects", explode)
    with pytest.raises(ImportFailed, match="disk full"):
        import_wordpress(_basic(tmp_path))
    assert _site_snapshot()["posts"] == 0
    assert _site_snapshot()["users"] == 0


BOMB = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&d;&d;&d;</title>
<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
</item></channel></rss>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&secret;</title>
<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
</item></channel></rss>"""


@pytest.mark.parametrize("text", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_hostile_files_are_refused_with_a_clear_error(app, tmp_path, text):
    path = write(tmp_path / "hostile.xml", text)
    with pytest.raises(ImportFailed, match="DOCTYPE"):
        import_wordpress(path)
    assert _count(Post) == 0 and _count(User) == 0


def test_not_a_wordpress_export_is_refused(app, tmp_path):
    path = write(
        tmp_path / "feed.xml", "<rss><channel><item><title>x</title></item></channel></rss>"
    )
    with pytest.raises(ImportFailed, match="not a WordPress export"):
        import_wordpress(path)


def test_dates_use_gmt_or_the_sites_own_offset(app, tmp_path):
    posts = [
        # Berlin in winter: local 11:00 is 10:00 UTC; this tells the importer the offset.
        WxrPost(1, "Dated", "x", slug="dated", date="2020-01-10 11:00:00", date_gmt="2020-01-10 10:00:00"),
        # A draft with no GMT date: its local date is taken in that same offset.
        WxrPost(
            2, "Draft", "x", slug="draft", status="draft",
            date="2020-01-11 09:30:00", date_gmt="0000-00-00 00:00:00",
        ),
        WxrPost(
            3, "Private", "x", slug="private", status="private",
            date="2020-01-12 09:30:00", date_gmt="0000-00-00 00:00:00",
        ),
    ]  # fmt: skip
    import_wordpress(write(tmp_path / "dates.xml", wxr(posts)))
    dated = db.session.scalar(select(Post).where(Post.slug == "dated"))
    assert dated.published_at == datetime(2020, 1, 10, 10, 0, tzinfo=UTC)
    draft = db.session.scalar(select(Post).where(Post.slug == "draft"))
    assert draft.status == PostStatus.DRAFT and draft.published_at is None
    assert draft.created_at == datetime(2020, 1, 11, 8, 30, tzinfo=UTC)
    private = db.session.scalar(select(Post).where(Post.slug == "private"))
    assert private.status == PostStatus.PRIVATE
    assert private.published_at == datetime(2020, 1, 12, 8, 30, tzinfo=UTC)


def test_pending_and_private_pages_come_in_as_drafts(app, tmp_path):
    """Pages here are drafts or published (no review step, no staff-only state)."""
    pages = [
        WxrPost(1, "Under review", "x", slug="review", post_type="page", status="pending"),
        WxrPost(2, "Staff only", "x", slug="staff", post_type="page", status="private"),
        WxrPost(3, "About", "x", slug="about", post_type="page"),
    ]
    report = import_wordpress(write(tmp_path / "pages.xml", wxr(pages)))
    statuses = dict(db.session.execute(select(Page.slug, Page.status)).all())
    assert statuses == {"review": "draft", "staff": "draft", "about": "published"}
    assert sum("imported as a draft" in note for note in report.notes) == 2


def test_timezone_option_overrides_the_guess(app, tmp_path):
    posts = [
        WxrPost(1, "Draft", "x", slug="d", status="draft", date="2023-07-01 12:00:00", date_gmt="0000-00-00 00:00:00")
    ]  # fmt: skip
    import_wordpress(write(tmp_path / "tz.xml", wxr(posts)), Options(timezone="Asia/Tehran"))
    assert db.session.scalar(select(Post.created_at)) == datetime(2023, 7, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_wxr_version_and_namespace_scheme_is_read(app, tmp_path, version, scheme):
    path = _basic(tmp_path, version=version, scheme=scheme)
    report = import_wordpress(path)
    assert report.counts["posts"]["imported"] == 2
    post = db.session.scalar(select(Post).where(Post.slug == "first-post"))
    assert [c.slug for c in post.categories] == ["news"]


def test_wxr_1_0_quirks_tags_domain_and_no_author_list(app, tmp_path):
    post = WxrPost(1, "Old", "x", slug="old", creator="bob")
    text = wxr([post], version="1.0", list_authors=False).replace(
        "</item>",
        '<category domain="tag">Legacy</category><category>Old Category</category></item>',
    )
    import_wordpress(write(tmp_path / "old.xml", text))
    imported = db.session.scalar(select(Post))
    assert imported.author.display_name == "bob"
    assert [t.name for t in imported.tags] == ["Legacy"]


def test_slugs_percent_encoded_empty_and_duplicate(app, tmp_path, client):
    posts = [
        WxrPost(1, "Ελληνικά", "x", slug="%ce%b5%ce%bb%ce%bb%ce%b7%ce%bd%ce%b9%ce%ba%ce%ac",
                link="https://old.example.org/2020/03/04/%ce%b5%ce%bb%ce%bb%ce%b7%ce%bd%ce%b9%ce%ba%ce%ac/"),
        WxrPost(2, "", "no title", slug=""),
        WxrPost(3, "Same", "a", slug="same", status="draft"),
    ]  # fmt: skip
    make = write(tmp_path / "slugs.xml", wxr(posts))
    from tests.factories import make_post, make_user

    make_post(make_user(), title="Same", slug="same")
    db.session.commit()
    import_wordpress(make)
    slugs = set(db.session.scalars(select(Post.slug)))
    assert "ελληνικά" in slugs
    assert "same" in slugs and "same-2" in slugs
    untitled = db.session.scalar(select(Post).where(Post.title == "(no title)"))
    assert untitled is not None and untitled.slug
    response = client.get("/2020/03/04/%ce%b5%ce%bb%ce%bb%ce%b7%ce%bd%ce%b9%ce%ba%ce%ac/")
    assert response.status_code == 200


def test_trash_and_unknown_shortcodes_are_reported(app, tmp_path):
    posts = [
        WxrPost(1, "Binned", "x", slug="binned", status="trash"),
        WxrPost(2, "Shorty", 'Text [contact-form to="a@b.c"] and [sic] here', slug="shorty"),
    ]
    report = import_wordpress(write(tmp_path / "s.xml", wxr(posts)))
    assert report.skips[0]["reason"] == "in the trash" and report.skips[0]["old_id"] == "1"
    assert report.unknown_shortcodes == {"contact-form": 1}
    body = db.session.scalar(select(Post.body_html))
    assert '[contact-form to="a@b.c"]' in body.replace("&quot;", '"')


def test_dry_run_writes_nothing_but_reports(app, tmp_path):
    report = import_wordpress(_basic(tmp_path), Options(dry_run=True))
    assert report.counts["posts"]["imported"] == 2
    assert _count(Post) == 0 and _count(ImportRun) == 0 and _count(User) == 0


def test_command_line_import_shows_progress_and_report(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-wordpress", str(_basic(tmp_path))])
    assert result.exit_code == 0, result.output
    assert re.search(r"posts\s+2\s+2\s+0\s+0\s+0", result.output)
    assert "posts/s" in result.output
    assert _count(Post) == 2
    again = runner.invoke(args=["import-wordpress", str(_basic(tmp_path))])
    assert "Nothing changed" in again.output
    broken = write(tmp_path / "bad.xml", "<rss><channel><item>")
    failed = runner.invoke(args=["import-wordpress", str(broken)])
    assert failed.exit_code != 0 and "XML is broken" in failed.output


def test_pages_keep_hierarchy_and_get_redirects(app, tmp_path, client):
    posts = [
        WxrPost(10, "About", "a", slug="about", post_type="page",
                link="https://old.example.org/about/"),
        WxrPost(11, "Team", "<p>Who <b>we</b> are.</p>", slug="team", post_type="page",
                parent=10, menu_order=2, link="https://old.example.org/about/team/"),
        WxrPost(12, "Feed", "f", slug="feed", post_type="page",
                link="https://old.example.org/feed-page/"),
    ]  # fmt: skip
    import_wordpress(write(tmp_path / "pages.xml", wxr(posts)))
    team = db.session.scalar(select(Page).where(Page.slug == "team"))
    assert page_path(team) == "/about/team/"
    team_page = client.get("/about/team/")
    assert team_page.status_code == 200
    # Its description, from its text (written with the page by the importer).
    assert '<meta name="description" content="Who we are.">' in team_page.text
    response = client.get("/?page_id=11")
    assert response.status_code == 301 and response.headers["Location"] == "/about/team/"
    # "feed" is reserved here; the page moved and its old address follows it.
    assert db.session.scalar(select(Page.slug).where(Page.title == "Feed")) == "feed-page"
    assert client.get("/feed-page/").status_code == 200


def test_admins_see_past_imports_with_counts_and_skips(app, client, tmp_path):
    posts = [
        WxrPost(1, "Kept", "x", slug="kept"),
        WxrPost(2, "Binned post", "x", slug="binned", status="trash"),
    ]
    import_wordpress(write(tmp_path / "site-export.xml", wxr(posts)), Options(actor_label="ops"))
    make_user("admin", email="admin@example.org")
    make_user("editor", email="editor@example.org")
    login(client, "editor@example.org")
    assert client.get("/admin/imports").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/admin/").text)})
    login(client, "admin@example.org")
    listing = client.get("/admin/imports").text
    assert "site-export.xml" in listing and "ops" in listing
    run_id = db.session.scalar(select(ImportRun.id))
    detail = client.get(f"/admin/imports/{run_id}").text
    assert "Binned post" in detail and "in the trash" in detail
    assert re.search(r"<th scope=\"row\">Posts</th><td>2</td><td>1</td>", detail)


def test_bodies_converted_in_worker_processes_match_inline_conversion(app, tmp_path, monkeypatch):
    from app.importers.wordpress import importer

    posts = [
        WxrPost(
            n,
            f"Post {n}",
            f'Line one {n}\nline two\n\n[caption]<img src="/a.jpg" alt=""> C{n}[/caption]',
            slug=f"p{n}",
        )
        for n in range(1, 30)
    ]
    path = write(tmp_path / "many.xml", wxr(posts))
    monkeypatch.setattr(importer, "POOL_THRESHOLD", 0)
    monkeypatch.setattr(importer, "BATCH", 4)
    import_wordpress(path, Options(jobs=2))
    pooled = dict(db.session.execute(select(Post.slug, Post.body_html)).all())
    assert len(pooled) == 29
    from app.importers.wordpress.content import to_html

    for n in range(1, 30):
        assert pooled[f"p{n}"] == to_html(posts[n - 1].content).html
    assert "<figcaption>C7</figcaption>" in pooled["p7"]


def test_theme_export_with_its_uploads_folder_brings_every_image_along(app, client, tmp_path):
    """The real export with a copy of its ``wp-content/uploads``: every image becomes a media
    item, every reference to it (resized copies included) and every featured image follow, and
    what the library does not take (audio, video) is reported by name with its reason."""
    from app.importers.wordpress.attachments import relative_upload_path
    from app.importers.wordpress.content import original_file_key
    from app.models import MediaItem
    from tests import media_samples as samples

    path = _theme_export()
    items = _items(path)
    attachments = [i for i in items if i.post_type == "attachment"]
    uploads = tmp_path / "uploads"
    images = {}
    for item in attachments:
        target = uploads / relative_upload_path(item)
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = target.suffix.lower()
        if suffix in (".jpg", ".jpeg", ".gif", ".png"):
            fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".png": "PNG"}[suffix]
            target.write_bytes(samples.photo(size=(400, 300), fmt=fmt))
            images[item.old_id] = item
        else:
            target.write_bytes(b"\x00\x00\x00\x18ftypqt  not a picture" * 8)

    report = import_wordpress(path, Options(uploads=uploads))
    db.session.expire_all()

    counts = report.counts["attachments"]
    assert counts["found"] == len(attachments) == 37
    assert counts["imported"] == len(images) == 35
    skipped = {s["old_id"]: s for s in report.skips if s["kind"] == "attachments"}
    assert set(skipped) == {str(i.old_id) for i in attachments if i.old_id not in images}
    assert all(s["reason"] and s["title"] for s in skipped.values())
    assert _count(MediaItem) == 35

    # No published body still points at the old host for a file that moved in.
    moved = {original_file_key(i.attachment_url) for i in images.values()}
    for post in db.session.scalars(select(Post)):
        for url in re.findall(r'(?:src|href)="([^"]+)"', post.body_html):
            if "wpthemetestdata" in url:
                assert original_file_key(url) not in moved, (post.title, url)

    # Featured images: every post whose _thumbnail_id names an imported image shows it.
    featured = 0
    for item in items:
        thumbnail = item.meta.get("_thumbnail_id", "") if item.post_type == "post" else ""
        if thumbnail.isdigit() and int(thumbnail) in images:
            post = db.session.scalar(select(Post).where(Post.title == item.title))
            assert post.featured_media is not None, item.title
            assert post.featured_media.title == images[int(thumbnail)].title
            featured += 1
    assert featured >= 1

    # The gallery post shows the pictures from this site, and they are served.
    gallery = db.session.scalar(select(Post).where(Post.title == "Post Format: Gallery"))
    html = _follow(client, next(i.link for i in items if i.title == gallery.title)).text
    served = re.findall(r'src="(/media/[^"]+)"', html)
    assert len(served) >= 2
    for address in served[:3]:
        response = client.get(address)
        assert response.status_code == 200 and response.mimetype.startswith("image/")
        response.close()


def test_old_feed_addresses_follow_to_the_new_feeds(app, tmp_path, client):
    """Subscribers keep their feeds: the site's, a nested category's, a tag's and an author's,
    in the path forms and the ?feed= forms WordPress answers, each 301 to a feed that works."""
    posts = [
        WxrPost(
            1, "Filed deep", "Words.", slug="filed-deep",
            categories=[("child", "Child")], tags=[("climate", "Climate")],
        ),
    ]  # fmt: skip
    export = wxr(
        posts,
        authors=[("alice", "alice@old.example.org", "Alice Writer")],
        categories=[("3", "parent", "Parent", ""), ("4", "child", "Child", "parent")],
    )
    import_wordpress(write(tmp_path / "feeds.xml", export))
    author_slug = db.session.scalar(select(User.slug).where(User.email == "alice@old.example.org"))
    expected = {
        "/feed/rss2/": "/feed/",
        "/feed/rss/": "/feed/",
        "/?feed=rss2": "/feed/",
        "/?feed=atom": "/feed/atom/",
        "/category/parent/child/": "/category/child/",
        "/category/parent/child/feed/": "/category/child/feed/",
        "/category/parent/child/feed/atom/": "/category/child/feed/atom/",
        "/?cat=4&feed=rss2": "/category/child/feed/",
        "/tag/climate/feed/rss2/": "/tag/climate/feed/",
        "/?tag=climate&feed=atom": "/tag/climate/feed/atom/",
        "/author/alice/feed/rss2/": f"/author/{author_slug}/feed/",
    }
    for old, new in expected.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new, old
        feed = client.get(new)
        assert feed.status_code == 200, new
        assert "Filed deep" in feed.text, new
