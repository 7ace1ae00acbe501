"""The ``flask`` commands an operator uses: creating accounts and loading demo content."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, Category, Post, PostStatus, User
from tests.factories import make_user


def _run(app, *args, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_user_with_password_from_stdin(app):
    result = _run(
        app,
        "create-user",
        "--email", "Admin@Example.org",
        "--name", "Site Admin",
        "--role", "admin",
        "--password-stdin",
        input="correct horse battery staple\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
    assert user.role == "admin" and user.display_name == "Site Admin"
    assert user.password_hash.startswith("scrypt:")


def test_create_user_is_in_the_audit_log(app):
    """Accounts made on the command line are recorded like invitations are."""
    result = _run(
        app, "create-user", "--email", "ops@example.org", "--name", "Ops", "--role", "editor",
        "--password-stdin", input="correct horse battery staple\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "account.created"))
    assert event is not None
    assert (event.actor_label, event.target_label, event.details) == (
        "command line",
        "ops@example.org",
        {"role": "editor"},
    )


def test_create_user_asks_for_the_password_twice(app):
    result = _run(
        app, "create-user", "--email", "e@example.org", "--name", "E",
        input="a long enough password\na long enough password\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output


def test_create_user_refuses_short_passwords_and_duplicates(app):
    short = _run(
        app, "create-user", "--email", "s@example.org", "--name", "S", "--password-stdin",
        input="short\n",
    )  # fmt: skip
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    common = _run(
        app, "create-user", "--email", "c@example.org", "--name", "C", "--password-stdin",
        input="password1234\n",
    )  # fmt: skip
    assert common.exit_code != 0 and "too common" in common.output
    make_user(email="taken@example.org")
    duplicate = _run(
        app, "create-user", "--email", "TAKEN@example.org", "--name", "T", "--password-stdin",
        input="a long enough password\n",
    )  # fmt: skip
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_demo_content_is_varied_and_idempotent(app):
    first = _run(app, "demo-content")
    assert first.exit_code == 0, first.output
    posts = db.session.scalars(db.select(Post)).all()
    published = [p for p in posts if p.status == PostStatus.PUBLISHED]
    assert len(published) >= 15
    assert len({p.author_id for p in posts}) >= 3
    assert len({p.published_at.year for p in published}) >= 4
    titles = " ".join(p.title for p in posts)
    assert "fragwürdige" in titles and "L'été" in titles
    assert "die-volksmujahedin-sind-fragwurdige-verbundete" in {p.slug for p in posts}

    assert {p.language for p in published} >= {"en", "de", "fr", "fa"}
    repost = next(p for p in posts if p.byline_name)
    assert repost.source_name and repost.source_url.startswith("https://")
    group = next(p.translation_group for p in posts if p.translation_group)
    assert {p.language for p in posts if p.translation_group == group} == {"en", "de"}
    assert any(p.sticky for p in published)
    assert any(p.tags for p in posts)

    client = app.test_client()
    home = client.get("/").text
    assert 'href="/about-us/"' in home  # header menu
    assert (
        'lang="fa" dir="rtl"'
        in client.get(post_url_of(next(p for p in posts if p.language == "fa"))).text
    )
    assert client.get("/about-us/our-team/").status_code == 200
    assert client.get("/category/campaigns/").status_code == 200
    petitions = db.session.scalar(db.select(Category).where(Category.slug == "petitions"))
    assert petitions.parent.slug == "campaigns"

    second = _run(app, "demo-content")
    assert second.exit_code == 0
    assert db.session.scalar(db.select(db.func.count(Post.id))) == len(posts)


def test_demo_content_if_empty_leaves_a_real_site_alone(app):
    author = make_user()
    from tests.factories import make_post

    make_post(author, title="Our own first post")
    result = _run(app, "demo-content", "--if-empty")
    assert "not loaded" in result.output
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1


def post_url_of(post: Post) -> str:
    return f"/{post.published_at:%Y/%m/%d}/{post.slug}/"


def test_demo_content_remove_takes_exactly_the_demo_away(app):
    from app.content.settings import get_setting
    from app.models import MenuItem, Page, Tag
    from tests.factories import make_category, make_page, make_post

    _run(app, "demo-content")
    reports = db.session.scalar(db.select(Category).where(Category.slug == "reports"))
    editor = make_user(email="me@example.org", name="Real Editor")
    mine = make_post(
        editor, title="Our own report", category_ids=[reports.id], tag_names=["Germany", "Ours"]
    )
    my_category = make_category("Our section")
    my_page = make_page("Imprint")
    demo_tags = db.session.scalar(db.select(db.func.count(Tag.id)))

    result = _run(app, "demo-content", "--remove")
    assert result.exit_code == 0, result.output
    assert "Demo content removed:" in result.output
    db.session.expire_all()
    posts = list(db.session.scalars(db.select(Post)))
    assert [p.title for p in posts] == ["Our own report"]
    assert {c.slug for c in db.session.get(Post, mine.id).categories} == {"reports"}
    assert {t.name for t in db.session.get(Post, mine.id).tags} == {"Germany", "Ours"}
    assert db.session.get(Category, my_category.id) is not None
    assert db.session.get(Page, my_page.id) is not None
    assert db.session.scalar(db.select(Page).where(Page.slug == "about-us")) is None
    # Only what a remaining post uses survives of the demo's categories and tags.
    slugs = {c.slug for c in db.session.scalars(db.select(Category))}
    assert {"reports", "our-section"} <= slugs
    assert not slugs & {"campaigns", "petitions", "open-letters", "events", "press-review"}
    assert db.session.scalar(db.select(db.func.count(Tag.id))) < demo_tags
    assert db.session.scalar(db.select(Tag).where(Tag.name == "Analysis")) is None
    assert [u.email for u in db.session.scalars(db.select(User))] == ["me@example.org"]
    # The menu keeps only entries whose page or category is still there ("Reports").
    assert [m.category_id for m in db.session.scalars(db.select(MenuItem))] == [reports.id]
    assert set(get_setting("featured_categories")) <= {reports.id}
    assert _run(app, "demo-content", "--remove").exit_code == 0  # twice is harmless
