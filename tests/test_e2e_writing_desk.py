"""The writing desk in headless Chromium: the editor with and without JavaScript, and pages that
keep long words inside a 360 px phone screen."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_category, make_post, make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

PASSWORD = "long password 123"
COMPOUND = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
LONG_URL = "https://example.org/" + "verylongpathsegmentwithoutanybreaks" * 3


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")


def test_editor_on_a_phone_counts_formats_previews_and_turns_rtl(live_server, chromium):
    app, base = live_server
    with app.app_context():
        make_user(email="writer@example.org", password=PASSWORD)
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/new")

    body = page.get_by_label("Body (Markdown)")
    body.fill("Ein kurzer Satz mit sechs Wörtern.")
    expect(page.locator(".editor__stats")).to_have_text("6 words · 1 min read")

    body.fill("Say it loud")
    body.evaluate("t => { t.selectionStart = 4; t.selectionEnd = 6; }")
    page.get_by_role("button", name="Bold").click()
    expect(body).to_have_value("Say **it** loud")
    page.get_by_role("button", name="Heading").click()
    expect(body).to_have_value("## Say **it** loud")

    # On a phone the preview is a tab, not a column beside the text.
    preview = page.locator(".editor__preview")
    expect(preview).to_be_hidden()
    page.get_by_role("tab", name="Preview").click()
    expect(preview.locator("h2 strong")).to_have_text("it")
    expect(body).to_be_hidden()
    page.get_by_role("tab", name="Write").click()
    expect(body).to_be_visible()

    page.get_by_label("Language").select_option("fa")
    expect(body).to_have_attribute("dir", "rtl")
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("dir", "rtl")
    page.get_by_label("Language").select_option("de")
    expect(body).to_have_attribute("dir", "ltr")

    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0
    context.close()


def test_preview_sits_beside_the_text_on_a_wide_screen(live_server, page):
    app, base = live_server
    with app.app_context():
        make_user(email="writer@example.org", password=PASSWORD)
    _log_in(page, base, "writer@example.org")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base}/admin/posts/new")
    page.get_by_label("Body (Markdown)").fill("> A quoted line")
    quote = page.locator(".editor__preview blockquote")
    expect(quote).to_have_text("A quoted line")
    text_box = page.get_by_label("Body (Markdown)").bounding_box()
    preview_box = page.locator(".editor__pane--preview").bounding_box()
    assert preview_box["x"] >= text_box["x"] + text_box["width"]  # to the right, same row
    assert abs(preview_box["y"] - text_box["y"]) < 120
    expect(page.get_by_role("tab", name="Preview")).to_be_hidden()


def test_without_javascript_the_form_is_a_plain_textarea_that_saves(live_server, chromium):
    app, base = live_server
    with app.app_context():
        make_user(email="writer@example.org", password=PASSWORD)
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/new")
    expect(page.locator(".editor__toolbar")).to_have_count(0)
    page.get_by_label("Title", exact=True).fill("Written without scripts")
    page.get_by_label("Body (Markdown)").fill("Plain **Markdown** still works.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("Markdown")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()
    context.close()


def test_long_words_never_widen_a_360px_page(live_server, chromium):
    app, base = live_server
    with app.app_context():
        author = make_user(email="admin@example.org", role="admin", password=PASSWORD)
        category = make_category(f"Kategorie {COMPOUND}")
        posts = [
            make_post(
                author,
                title=title,
                excerpt=f"{COMPOUND} {LONG_URL}",
                body=f"{COMPOUND}\n\n{LONG_URL}",
                category_ids=[category.id],
                tag_names=[COMPOUND],
                language="de",
            )
            for title in (f"Die {COMPOUND} berichtet", f"Link {LONG_URL}")
        ]
        make_post(author, title=f"گزارش {COMPOUND}", language="fa", body=LONG_URL)
        from app.content.settings import save_settings
        from app.extensions import db

        save_settings({"featured_categories": [category.id]})
        db.session.commit()
        post_path = f"/{posts[0].published_at:%Y/%m/%d}/{posts[0].slug}/"
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    widest = """() => {
      const limit = window.innerWidth;
      const wide = [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        // Scrolling boxes may hold wide content; visually hidden text is clipped to 1px.
        const hiddenByScroller = e.closest(
          '.table-scroll, .headlines__list, .prose pre, .prose table, .visually-hidden');
        return !hiddenByScroller && r.width > 0 && (r.right > limit + 0.5 || r.left < -0.5);
      });
      return {scroll: document.documentElement.scrollWidth - limit,
              wide: wide.slice(0, 5).map(e => e.tagName + '.' + e.className)};
    }"""
    problems = {}
    public = ["/", "/2024/", "/2024/1/", post_path, f"/tag/{COMPOUND.lower()}/"]
    for path in public:
        page.goto(base + path)
        result = page.evaluate(widest)
        if result["scroll"] > 0 or result["wide"]:
            problems[path] = result
    _log_in(page, base, "admin@example.org")
    for path in ["/admin/", "/admin/categories", "/admin/tags", "/admin/posts/1/edit"]:
        page.goto(base + path)
        result = page.evaluate(widest)
        if result["scroll"] > 0 or result["wide"]:
            problems[path] = result
    context.close()
    assert problems == {}


def test_autosave_every_30_seconds_is_offered_back_in_another_session(live_server, chromium):
    app, base = live_server
    with app.app_context():
        writer = make_user(email="writer@example.org", password=PASSWORD)
        post = make_post(writer, title="Live title", body="Live text.", status="draft")
        post_id = post.id
    first = chromium.new_context()
    page = first.new_page()
    page.set_default_timeout(10_000)
    page.clock.install()
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/{post_id}/edit")
    page.get_by_label("Body (Markdown)").fill("Live text.\n\nA paragraph typed, never saved.")
    status = page.locator(".editor__autosave")
    expect(status).to_be_empty()
    page.clock.run_for(31_000)  # the 30-second autosave timer fires
    expect(status).to_contain_text("Draft copy saved at")

    # Leaving with unsaved changes asks first.
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("link", name="Posts", exact=True).click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(f"{base}/admin/posts/{post_id}/edit")
    first.close()

    with app.app_context():
        from app.extensions import db
        from app.models import Post

        assert db.session.get(Post, post_id).body_source == "Live text."  # live post untouched

    second = chromium.new_context()  # another browser: no local copy, only the server's
    page = second.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/{post_id}/edit")
    page.get_by_role("link", name="Restore the autosaved copy").click()
    expect(page.get_by_label("Body (Markdown)")).to_have_value(
        "Live text.\n\nA paragraph typed, never saved."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Restore the autosaved copy")).to_have_count(0)
    second.close()


def test_an_expired_session_loses_no_text(live_server, chromium):
    app, base = live_server
    with app.app_context():
        make_user(email="writer@example.org", password=PASSWORD)
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill("Written while the session ran out")
    page.get_by_label("Body (Markdown)").fill("Two thousand careful words.")
    context.clear_cookies()  # the session ends (expiry, logout elsewhere ...)
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(re.compile(r"/login\?next=(%2F|/)admin(%2F|/)posts(%2F|/)new$"))
    expect(page.get_by_text("Your session had ended")).to_be_visible()
    page.get_by_label("Email").fill("writer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/posts/new")  # back at the form

    page.get_by_role("button", name="Restore that text").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Written while the session ran out"
    )
    expect(page.get_by_label("Body (Markdown)")).to_have_value("Two thousand careful words.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()
    # Once saved, the browser's copy is not offered again.
    page.goto(f"{base}/admin/posts/new")
    expect(page.get_by_role("button", name="Restore that text")).to_have_count(0)
    context.close()


def test_translation_of_is_searched_as_you_type(live_server, page):
    app, base = live_server
    with app.app_context():
        writer = make_user(email="writer@example.org", password=PASSWORD)
        make_post(writer, title="Die Petition an den Bundestag", language="de")
        for n in range(5):
            make_post(writer, title=f"Other story {n}", language="de")
    _log_in(page, base, "writer@example.org")
    page.goto(f"{base}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill("The petition to the Bundestag")
    page.get_by_label("Body (Markdown)").fill("Text.")
    search = page.get_by_role("combobox", name="Translation of")
    search.fill("petition")
    option = page.get_by_role("option", name="Die Petition an den Bundestag (de)")
    expect(option).to_be_visible()
    expect(page.get_by_role("listbox", name="Matching posts").get_by_role("option")).to_have_count(
        1
    )
    search.press("ArrowDown")
    search.press("Enter")
    expect(search).to_have_value("Die Petition an den Bundestag (de)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()
    with app.app_context():
        from app.extensions import db
        from app.models import Post

        english = db.session.scalar(db.select(Post).where(Post.language == "en"))
        assert english.translation_group is not None
