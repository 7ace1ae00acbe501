"""Full-text search: what is found, in which order, how it is shown, and that nothing breaks it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from flask_migrate import upgrade

from app.content import search
from app.content.publishing import PostDraft, save_post
from app.content.taxonomy import delete_tag, merge_tags, save_tag
from app.extensions import db
from app.models import Post, PostStatus, search_documents
from tests.conftest import login
from tests.factories import SETUP, make_category, make_page, make_post, make_user

RESULT_TITLE = re.compile(r'class="search-result__title"><a href="([^"]+)">(.*?)</a>')
SNIPPET = re.compile(r'class="search-result__snippet">(.*?)</p>', re.S)


def found(client, query: str, **params) -> list[str]:
    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200
    titles = RESULT_TITLE.findall(response.text)
    return [unescape(re.sub(r"</?mark>", "", title)) for _url, title in titles]


@pytest.fixture
def writer(app):
    return make_user(name="Ada Writer")


def test_a_title_match_ranks_above_body_matches_then_newer_first(client, writer):
    old = datetime(2015, 5, 1, tzinfo=UTC)
    make_post(writer, title="Notes", body="parliament " * 30, published_at=old)
    make_post(writer, title="Parliament votes", body="Short.", published_at=old)
    make_post(
        writer, title="Later notes", body="The parliament met.", published_at=old + timedelta(1)
    )
    make_post(writer, title="Unrelated", body="Nothing to see.")
    titles = found(client, "parliament")
    assert titles[0] == "Parliament votes"
    assert set(titles) == {"Parliament votes", "Notes", "Later notes"}


def test_diacritics_do_not_matter(client, writer):
    make_post(writer, title="Eine fragwürdige Entscheidung", body="Text.", language="de")
    make_post(writer, title="Élection", body="Un texte.", language="fr")
    assert found(client, "fragwurdige") == ["Eine fragwürdige Entscheidung"]
    assert found(client, "election") == ["Élection"]
    assert found(client, "FRAGWÜRDIGE") == ["Eine fragwürdige Entscheidung"]


def test_stemming_follows_each_post_language_on_postgresql(client, writer, backend):
    if backend != "postgresql":
        pytest.skip("SQLite's FTS5 index matches words as written (no stemmer for these languages)")
    make_post(writer, title="A letter to the editor", body="Text.", language="en")
    make_post(writer, title="Ein Brief", body="Text.", language="de")
    make_post(writer, title="Les élections", body="Le texte.", language="fr")
    assert found(client, "letters") == ["A letter to the editor"]
    assert found(client, "Briefe") == ["Ein Brief"]
    assert found(client, "élection") == ["Les élections"]
    assert found(client, "Briefe", lang="en") == []


def test_body_text_excerpt_byline_and_tags_are_searched_but_not_markup(client, writer):
    make_post(writer, title="One", body="A [link](https://example.org/hidden-address) here.")
    make_post(writer, title="Two", body="Body.", byline_name="Rosa Outside", source_name="Paper")
    make_post(writer, title="Three", body="Body.", tag_names=["Fisheries"])
    make_post(writer, title="Four", body="Body.", excerpt="A custom summary mentions krill.")
    assert found(client, "link") == ["One"]
    assert found(client, "hidden") == []  # the href is markup, not text a reader sees
    assert found(client, "Rosa") == ["Two"]
    assert found(client, "fisheries") == ["Three"]
    assert found(client, "krill") == ["Four"]


def test_snippets_are_escaped_text_with_the_words_marked(client, writer):
    make_post(
        writer, title="Code", body="Never paste `<script>alert(1)</script>` into a comment form."
    )
    response = client.get("/search?q=paste")
    snippet = SNIPPET.search(response.text).group(1)
    assert "<mark>paste</mark>" in snippet
    assert 'search-result__title"><a href="' in response.text
    assert "&lt;script&gt;" in snippet
    assert "<script>" not in response.text.split('class="search-results"')[1]


def test_a_snippet_without_the_words_is_escaped_text_too(client, writer):
    """A match in the title only: the text's start is shown, escaped, with nothing marked."""
    make_post(writer, title="Paste", body="Never type `<script>alert(1)</script>` & run.")
    response = client.get("/search?q=paste")
    snippet = SNIPPET.search(response.text).group(1)
    assert snippet == "Never type &lt;script&gt;alert(1)&lt;/script&gt; &amp; run"
    assert "<mark>" not in snippet
    assert "<script>" not in response.text.split('class="search-results"')[1]


def test_a_snippet_shows_the_words_around_the_first_match_of_a_long_text(client, writer):
    """A match deep in an article: the snippet starts a few words before it ("… "), marks it
    and stops after about 32 words (" …"); a match in the title only shows the text's start."""
    words = [f"w{n}" for n in range(3000)]
    words[2000] = "Lighthouse"
    make_post(writer, title="Deep", body=" ".join(words))
    make_post(writer, title="Lighthouse keepers", body=" ".join(words[:100]))
    response = client.get("/search?q=lighthouse")
    snippets = [unescape(s) for s in SNIPPET.findall(response.text)]
    deep = next(s for s in snippets if "mark" in s)
    assert deep.startswith("… w1990 w1991 ") and "<mark>Lighthouse</mark> w2001" in deep
    assert deep.endswith("w2021 …") and len(deep.split(" ")) == 34  # 32 words, two "…"
    title_only = next(s for s in snippets if "mark" not in s)
    assert title_only.startswith("w0 w1 w2 ") and title_only.endswith("w31 …")


def test_only_what_a_visitor_may_read_is_found(client, writer):
    make_post(writer, title="Kelp published", body="kelp")
    make_post(writer, title="Kelp draft", body="kelp", status=PostStatus.DRAFT.value)
    make_post(writer, title="Kelp pending", body="kelp", status=PostStatus.PENDING.value)
    make_post(writer, title="Kelp private", body="kelp", status=PostStatus.PRIVATE.value)
    make_post(
        writer,
        title="Kelp scheduled",
        body="kelp",
        published_at=datetime.now(UTC) + timedelta(days=3),
    )
    make_post(writer, title="Kelp locked", body="kelp", password="sesame")
    make_page("Kelp page", body="kelp")
    make_page("Kelp draft page", body="kelp", status=PostStatus.DRAFT.value)
    assert sorted(found(client, "kelp")) == ["Kelp page", "Kelp published"]


def test_staff_search_the_dashboard_over_every_status(client, writer):
    make_user("editor", email="ed@example.org")
    make_post(writer, title="Kelp draft", body="kelp", status=PostStatus.DRAFT.value)
    make_post(writer, title="Kelp locked", body="kelp", password="sesame")
    login(client, "ed@example.org")
    response = client.get("/admin/search?q=kelp")
    assert response.status_code == 200
    text = re.sub(r"</?mark>", "", response.text)
    assert "Kelp draft" in text and "Kelp locked" in text


def test_the_index_follows_edits_tag_renames_and_deletions_in_the_same_transaction(app, writer):
    post = make_post(writer, title="Seagrass", body="meadows", tag_names=["coast"])
    edit = PostDraft(
        title="Mangroves",
        body_source="forests",
        tag_names=["coast"],
        status=PostStatus.PUBLISHED.value,
        published_at=post.published_at,
    )
    save_post(post, edit, by=SETUP)  # flushed, not committed
    # Not yet committed: the same transaction already finds the new words, not the old ones.
    assert [h.title for h in search.search("forests", staff=True).hits] == ["Mangroves"]
    assert search.search("meadows", staff=True).hits == []
    db.session.commit()
    save_tag(post.tags[0], name="Shoreline")
    db.session.commit()
    assert [h.title for h in search.search("shoreline").hits] == ["Mangroves"]
    other = save_tag(None, name="Wetlands")
    db.session.commit()
    merge_tags(post.tags[0], other)
    db.session.commit()
    assert search.search("shoreline").hits == []  # the merged-away name is gone
    assert [h.title for h in search.search("wetlands").hits] == ["Mangroves"]
    delete_tag(db.session.get(Post, post.id).tags[0])
    db.session.commit()
    assert search.search("wetlands").hits == []
    db.session.delete(db.session.get(Post, post.id))
    db.session.flush()
    assert search.search("forests", staff=True).hits == []
    assert db.session.scalar(db.select(db.func.count()).select_from(search_documents)) == 0
    db.session.rollback()
    assert [h.title for h in search.search("forests").hits] == ["Mangroves"]


def test_pages_are_indexed_and_follow_their_edits(client):
    page = make_page("About the campaign", body="We protect estuaries.")
    assert found(client, "estuaries") == ["About the campaign"]
    page.body_source = "We protect lagoons."
    from app.content.rendering import render_markdown

    page.body_html = render_markdown(page.body_source)
    db.session.commit()
    assert found(client, "estuaries") == []
    assert found(client, "lagoons") == ["About the campaign"]


def test_phrases_and_exclusions(client, writer):
    make_post(writer, title="A", body="The European Parliament voted.")
    make_post(writer, title="B", body="The parliament of Europe, and European leaders.")
    assert found(client, '"European Parliament"') == ["A"]
    assert sorted(found(client, "parliament")) == ["A", "B"]
    assert found(client, "parliament -leaders") == ["A"]
    assert found(client, "-parliament") == []  # nothing to look for, nothing listed


HOSTILE = [
    '"unbalanced',
    'a "b',
    "*",
    "parl*",
    "OR",
    "kelp OR",
    "NEAR(kelp",
    "NEAR(kelp, 2)",
    "title:kelp",
    ":",
    "kelp AND NOT",
    "^kelp",
    "(kelp",
    "kelp)",
    "'",
    "\\",
    "-",
    "--",
    "- -kelp",
    "&&",
    "!kelp",
    "kelp:*",
    "<->",
    "x" * 2000,
    "kelp " * 400,
    "kelp\x00bomb",
    "\x00",
    "🙂 kelp",
    "{title}: kelp",
    "%",
    "_",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_200_and_are_read_as_words(client, writer, query):
    make_post(writer, title="Kelp forests", body="kelp")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    parsed = search.parse_query(query)
    if parsed.words == ("kelp",) and not parsed.excluded:
        assert "Kelp forests" in re.sub(r"</?mark>", "", response.text)


def test_filters_language_category_author_year(client, writer):
    other = make_user(name="Bo Other")
    reports = make_category("Reports")
    annual = make_category("Annual", parent=reports)
    make_post(writer, title="Kelp 2015", body="kelp", published_at=datetime(2015, 6, 1, tzinfo=UTC))
    make_post(other, title="Kelp by Bo", body="kelp", published_at=datetime(2016, 6, 1, tzinfo=UTC))
    make_post(writer, title="Kelp Bericht", body="kelp", language="de", category_ids=[annual.id])
    assert found(client, "kelp", lang="de") == ["Kelp Bericht"]
    assert found(client, "kelp", category="reports") == ["Kelp Bericht"]
    assert found(client, "kelp", author=other.slug) == ["Kelp by Bo"]
    assert found(client, "kelp", year="2015") == ["Kelp 2015"]
    assert len(found(client, "kelp", year="not-a-year", category="nope")) == 3


def test_ten_results_a_page_with_a_link_to_more(client, writer):
    for n in range(12):
        make_post(writer, title=f"Kelp {n:02d}", body="kelp")
    first = client.get("/search?q=kelp")
    assert len(RESULT_TITLE.findall(first.text)) == 10
    assert 'rel="next"' in first.text
    second = client.get("/search?q=kelp&page=2")
    assert len(RESULT_TITLE.findall(second.text)) == 2
    assert client.get("/search?q=kelp&page=x").status_code == 404


def test_every_public_page_has_the_search_box_and_the_results_are_not_indexed(client, writer):
    post = make_post(writer, title="Kelp", body="kelp")
    for url in ["/", f"/{post.published_at:%Y/%m/%d}/{post.slug}/", "/search?q=kelp"]:
        text = client.get(url).text
        assert 'role="search"' in text and 'action="/search"' in text and 'name="q"' in text
    assert '<meta name="robots" content="noindex">' in client.get("/search?q=kelp").text


def test_search_costs_the_same_queries_for_few_or_many_results(app, client, writer):
    from tests.conftest import count_queries

    make_post(writer, title="Kelp", body="kelp", tag_names=["a"])
    with count_queries(app) as few:
        client.get("/search?q=kelp")
    for n in range(15):
        make_post(writer, title=f"Kelp {n}", body="kelp", tag_names=[f"t{n}"])
    make_page("Kelp page", body="kelp")
    with count_queries(app) as many:
        client.get("/search?q=kelp")
    assert len(many) <= len(few) + 1  # + the page outline, once, when a page is among the hits
    assert len(many) <= 8


def test_the_query_parser_never_passes_syntax_through():
    parsed = search.parse_query('"European Parliament" -brexit OR NEAR( *x* a:b "open')
    assert parsed.phrases == (("European", "Parliament"),)
    assert parsed.excluded == ("brexit",)
    assert parsed.words == ("OR", "NEAR", "x", "a", "b", "open")
    assert search.parse_query("\x00\x01").empty
    assert len(search.parse_query("w " * 1000).words) == 1


def test_imported_posts_and_pages_are_found_and_updates_follow(client, tmp_path):
    from app.importers.wordpress.importer import import_wordpress
    from tests.wxr_builder import WxrPost, write, wxr

    def export(body: str):
        return write(
            tmp_path / "export.xml",
            wxr(
                [
                    WxrPost(1, "Imported report", body, slug="report", tags=[("eel", "Eels")]),
                    WxrPost(2, "Imported page", "A page about lagoons", post_type="page"),
                ]
            ),
        )

    import_wordpress(export("Our work on estuaries"))
    assert found(client, "estuaries") == ["Imported report"]
    assert found(client, "eels") == ["Imported report"]
    assert found(client, "lagoons") == ["Imported page"]
    import_wordpress(export("Our work on fjords"))
    assert found(client, "estuaries") == []
    assert found(client, "fjords") == ["Imported report"]


def _schema_at(revision: str) -> None:
    """An empty database migrated up to ``revision`` (the next test rebuilds the schema)."""
    from tests import conftest

    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
    conftest._postgres_schema_ready = False
    db.session.rollback()
    upgrade(revision=revision)


def test_the_migration_indexes_existing_content(app, backend):
    _schema_at("97849c9b0c5a")
    writer = make_user()
    db.session.execute(
        db.text(
            "INSERT INTO posts (title, slug, body_source, body_html, excerpt, status, author_id,"
            " published_at, created_at, updated_at, language, sticky, version) VALUES"
            " ('Old post', 'old-post', 'x', '<p>Written before search existed</p>', '',"
            " 'published', :a, :t, :t, :t, 'en', false, 1)"
        ),
        {"a": writer.id, "t": datetime(2020, 1, 1)},
    )
    db.session.commit()
    upgrade()
    assert [h.title for h in search.search("existed").hits] == ["Old post"]
    db.session.rollback()  # no open transaction holding locks while the tables are dropped
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(db.text("DROP TABLE IF EXISTS alembic_version"))


def titles_of(query: str, **options) -> list[str]:
    return [hit.title for hit in search.search(query, **options).hits]


def test_title_hits_first_then_relevance_then_newest(app, writer, backend):
    """PostgreSQL ranks by title hit, then ts_rank (how often and where), then date; SQLite as
    WordPress does: title hits first, then the others, newest first within each."""
    day = datetime(2020, 1, 1, tzinfo=UTC)
    make_post(writer, title="Kelp", body="Nothing else.", published_at=day)
    make_post(writer, title="Older", body="Notes on kelp and other things.", published_at=day)
    make_post(writer, title="Dense", body="kelp " * 12, published_at=day + timedelta(days=1))
    make_post(writer, title="Newer", body="Notes on kelp and other things.",
              published_at=day + timedelta(days=2))  # fmt: skip
    make_post(writer, title="Unrelated", body="Seagrass.", published_at=day + timedelta(days=3))
    make_post(writer, title="Kelp forests", body="Notes.", published_at=day - timedelta(days=1))
    if backend == "postgresql":
        assert titles_of("kelp") == ["Kelp", "Kelp forests", "Dense", "Newer", "Older"]
    else:
        assert titles_of("kelp") == ["Kelp", "Kelp forests", "Newer", "Dense", "Older"]


def test_title_matches_fill_pages_within_the_filters_then_the_others_follow(app, writer):
    """Title matches come first, newest first; while they are enough for a page they fill it
    on their own (SQLite then stops walking the index early), the filters still hold (newer
    title matches outside the category are not listed), and the page where they run out goes
    on with the other matches."""
    reports = make_category("Reports")
    day = datetime(2021, 3, 1, tzinfo=UTC)
    for n in range(5):
        make_post(writer, title=f"Kelp report {n}", body="Findings.", category_ids=[reports.id],
                  published_at=day + timedelta(days=n))  # fmt: skip
    for n in range(5):
        make_post(writer, title=f"Kelp news {n}", body="Findings.",
                  published_at=day + timedelta(days=10 + n))  # fmt: skip
    for n in range(3):
        make_post(writer, title=f"Field notes {n}", body="Findings on kelp.",
                  category_ids=[reports.id], published_at=day + timedelta(days=20 + n))  # fmt: skip
    in_reports = search.SearchFilters(category_ids=[reports.id])
    pages = [titles_of("kelp", filters=in_reports, page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert pages == [
        ["Kelp report 4", "Kelp report 3"],
        ["Kelp report 2", "Kelp report 1"],
        ["Kelp report 0", "Field notes 2"],
        ["Field notes 1", "Field notes 0"],
    ]
    assert search.search("kelp", filters=in_reports, page=3, per_page=2).has_next
    assert not search.search("kelp", filters=in_reports, page=4, per_page=2).has_next
    newest_titles = [f"Kelp news {n}" for n in range(4, -1, -1)]
    assert titles_of("kelp", per_page=5) == newest_titles
    assert titles_of("kelp", per_page=20)[10:] == [
        "Field notes 2",
        "Field notes 1",
        "Field notes 0",
    ]


def test_an_excluded_word_keeps_a_title_match_off_every_page(app, writer):
    day = datetime(2021, 3, 1, tzinfo=UTC)
    for n in range(3):
        make_post(writer, title=f"Kelp {n}", body="Kelp farming." if n == 1 else "Notes.",
                  published_at=day + timedelta(days=n))  # fmt: skip
    assert titles_of("kelp -farming", per_page=1) == ["Kelp 2"]
    assert titles_of("kelp -farming", page=2, per_page=1) == ["Kelp 0"]
    assert titles_of("kelp -farming") == ["Kelp 2", "Kelp 0"]


def test_an_excluded_word_in_every_match_finds_nothing(app, writer):
    """Enough title matches for the page, each with the excluded word in its text, and no
    other match: an empty page, not an error."""
    for n in range(2):
        make_post(writer, title=f"Kelp {n}", body="Kelp farming.")
    assert titles_of("kelp -farming", per_page=1) == []
    assert titles_of("kelp -farming") == []


def test_beyond_the_candidate_bound(app, writer, monkeypatch):
    """Both databases rank only the newest CANDIDATES matches (the date decides, not the order
    of writing), so an older match is never listed, however well it ranks."""
    monkeypatch.setattr(search, "CANDIDATES", 3)
    day = datetime(2020, 1, 1, tzinfo=UTC)
    make_post(writer, title="Body 2", body="kelp", published_at=day + timedelta(days=2))
    make_post(writer, title="Kelp, the oldest", body="kelp", published_at=day - timedelta(days=1))
    for n in range(2):
        make_post(writer, title=f"Body {n}", body="kelp", published_at=day + timedelta(days=n))
    assert titles_of("kelp") == ["Body 2", "Body 1", "Body 0"]
    assert titles_of("kelp", page=2, per_page=2) == ["Body 0"]
    assert not search.search("kelp", page=2, per_page=2).has_next
    monkeypatch.setattr(search, "CANDIDATES", 4)
    assert titles_of("kelp") == ["Kelp, the oldest", "Body 2", "Body 1", "Body 0"]


def test_title_matches_older_than_the_newest_candidates_do_not_go_first(app, writer, monkeypatch):
    """Enough title matches for the page, all older than the newest CANDIDATES matches: the
    page is those newest matches, as if the titles had not matched."""
    monkeypatch.setattr(search, "CANDIDATES", 3)
    day = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(2):
        make_post(writer, title=f"Kelp {n}", body="kelp", published_at=day + timedelta(days=n))
    for n in range(3):
        make_post(writer, title=f"Body {n}", body="kelp", published_at=day + timedelta(days=9 + n))
    assert titles_of("kelp", per_page=1) == ["Body 2"]
    assert titles_of("kelp", page=3, per_page=1) == ["Body 0"]
    assert titles_of("kelp") == ["Body 2", "Body 1", "Body 0"]


def test_a_renamed_post_goes_first_for_its_new_title_only(app, writer, backend):
    """The titles' index follows a post's title through edits (SQLite keeps one of its own)."""
    day = datetime(2021, 3, 1, tzinfo=UTC)
    old = make_post(writer, title="Seagrass", body="Words about kelp.", published_at=day)
    make_post(writer, title="Field notes", body="kelp seagrass", published_at=day + timedelta(1))
    assert titles_of("seagrass", per_page=1) == ["Seagrass"]
    assert titles_of("kelp", per_page=1) == ["Field notes"]
    edit = PostDraft(
        title="Kelp",
        body_source="Words about kelp.",
        status=PostStatus.PUBLISHED.value,
        published_at=old.published_at,
    )
    save_post(old, edit, by=SETUP)
    db.session.commit()
    assert titles_of("kelp", per_page=1) == ["Kelp"]
    assert titles_of("seagrass", per_page=1) == ["Field notes"]


def test_a_search_row_rewritten_in_place_keeps_both_sqlite_indexes_in_step(app, writer, backend):
    """SQLite's two FTS5 indexes read their text from ``search_documents``; an UPDATE of a row
    (as a migration does) must take the old words out of both and put the new ones in."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL keeps its index in the row itself")
    day = datetime(2021, 3, 1, tzinfo=UTC)
    make_post(writer, title="Seagrass", body="Words about kelp.", published_at=day)
    make_post(writer, title="Field notes", body="kelp seagrass", published_at=day + timedelta(1))
    db.session.execute(
        db.update(search_documents)
        .where(search_documents.c.title == "Seagrass")
        .values(title="Kelp")
    )
    db.session.commit()
    assert titles_of("kelp", per_page=1) == ["Kelp"]
    assert titles_of("seagrass", per_page=1) == ["Field notes"]
    # FTS5 raises "database disk image is malformed" if a trigger left it out of step.
    db.session.execute(
        db.text("INSERT INTO search_fts_titles(search_fts_titles) VALUES ('integrity-check')")
    )


def _statistics_read() -> None:
    """PostgreSQL's statistics of the search rows, as autovacuum would keep them, read anew."""
    db.session.execute(db.text("ANALYZE search_documents"))
    db.session.commit()
    search._stats.clear()


def _searched(query: str, marker: str) -> tuple[list[str], int]:
    """The titles found, and how many statements the search ran that contain ``marker``."""
    from tests.test_query_plans import recorded_statements

    with recorded_statements() as statements:
        titles = titles_of(query)
    return titles, sum(marker in statement for statement, _ in statements)


def test_postgresql_reads_the_newest_window_that_holds_enough_matches(
    app, writer, backend, monkeypatch
):
    """A common word is found among the newest documents alone, in one statement; a rare one
    reads wider windows, the last unbounded. Either way the result is the newest CANDIDATES
    matches, as if every match had been sorted by date."""
    if backend != "postgresql":
        pytest.skip("SQLite walks FTS5's match lists newest first; no windows")
    monkeypatch.setattr(search, "CANDIDATES", 4)
    monkeypatch.setattr(search, "WINDOW", 10)
    monkeypatch.setattr(search, "WINDOW_GROWTH", 3)
    monkeypatch.setattr(search, "UNBOUNDED_BELOW", 0)
    monkeypatch.setattr(search, "WALK_SHARE", 2)  # windows of the GIN index even for "kelp"
    day = datetime(2020, 1, 1, tzinfo=UTC)
    make_post(writer, title="Krill 0", body="krill", published_at=day - timedelta(days=9))
    for n in range(60):
        body = "kelp" if n % 2 else "seagrass"
        make_post(writer, title=f"Post {n}", body=body, published_at=day + timedelta(days=n))
    make_post(writer, title="Krill 1", body="krill", published_at=day - timedelta(days=8))
    make_post(writer, title="Krill 2", body="krill", published_at=day + timedelta(days=99))
    _statistics_read()  # where the windows start

    def searched(word: str) -> tuple[list[str], int]:
        return _searched(word, "vector @@")

    assert searched("kelp") == (["Post 59", "Post 57", "Post 55", "Post 53"], 1)
    # windows of 10 and 30 documents, then all 63
    assert searched("krill") == (["Krill 2", "Krill 1", "Krill 0"], 3)
    monkeypatch.setattr(search, "CANDIDATES", 2)
    assert searched("krill") == (["Krill 2", "Krill 1"], 3)


def test_postgresql_reads_the_newest_documents_in_turn_for_words_in_most_of_them(
    app, writer, backend, monkeypatch
):
    """A word in most documents is not looked up in the GIN index (every document of the
    window would be read): the newest documents are read one by one until enough match, and
    the result is what the lookup finds. A filter, or a rarer word, keeps the lookup."""
    if backend != "postgresql":
        pytest.skip("SQLite walks FTS5's match lists newest first already")
    from tests.test_query_plans import _generic_plan, _nodes, _rows_read, recorded_statements

    monkeypatch.setattr(search, "CANDIDATES", 4)
    monkeypatch.setattr(search, "UNBOUNDED_BELOW", 0)
    day = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(60):
        body = "Kelp and krill." if n % 20 == 3 else "Kelp."
        make_post(writer, title=f"Post {n}", body=body, published_at=day + timedelta(days=n),
                  language="de" if n % 2 else "en")  # fmt: skip
    _statistics_read()

    def searched(query: str, **options) -> tuple[list[str], bool, float]:
        """The titles found, whether the GIN index was asked, and the most rows a step of
        the search read."""
        with recorded_statements() as statements:
            titles = titles_of(query, **options)
        (ranked,) = [(s, p) for s, p in statements if "ts_rank" in s]
        read = max(_rows_read(node) for node in _nodes(_generic_plan(*ranked)))
        return titles, "vector @@" in ranked[0], read

    newest = ["Post 59", "Post 58", "Post 57", "Post 56"]
    titles, looked_up, read = searched("kelp")
    assert (titles, looked_up) == (newest, False)
    assert read <= 6  # the four newest and the row that ends the page, not all 60
    assert searched("kelp krill")[:2] == (["Post 43", "Post 23", "Post 3"], True)
    german = search.SearchFilters(language="de")
    assert searched("kelp", filters=german)[:2] == (
        ["Post 59", "Post 57", "Post 55", "Post 53"],
        True,
    )
    monkeypatch.setattr(search, "WALK_SHARE", 2)  # never walk: the lookup finds the same
    assert searched("kelp")[:2] == (newest, True)


def test_postgresql_asks_what_a_word_is_once_per_process(app, writer, backend):
    """What a word is in each text-search configuration never changes for a configuration, so
    a second search for it sends one statement less and finds the same."""
    if backend != "postgresql":
        pytest.skip("SQLite's FTS5 needs no such question")
    for n in range(3):
        make_post(writer, title=f"Kelp {n}", body="Kelp forests.")
    _statistics_read()
    search._readings.clear()
    first, asked_first = _searched("kelp forests", "to_tsvector(config, word)")
    again, asked_again = _searched("kelp forests", "to_tsvector(config, word)")
    assert (asked_first, asked_again) == (1, 0)
    assert first == again == ["Kelp 2", "Kelp 1", "Kelp 0"]
    assert _searched("forests kelp seagrass", "to_tsvector(config, word)")[1] == 1  # a new word


def test_postgresql_looks_up_words_in_the_index_of_recent_documents(
    app_factory, backend, monkeypatch
):
    """`flask search refresh` makes a GIN index of the newest documents alone: a search then
    looks its words up there, not among the entries of every document, and finds what it
    found before; a post written since is newer than all of them, so it is in that index too."""
    if backend != "postgresql":
        pytest.skip("SQLite walks FTS5's match lists newest first; no such index")
    from bench.generate import populate, search_words
    from tests.test_query_plans import _generic_plan, _nodes, _rows_read, recorded_statements

    for name, value in (("CANDIDATES", 4), ("WINDOW", 300), ("RECENT_DOCUMENTS", 300),
                        ("UNBOUNDED_BELOW", 0)):  # fmt: skip
        monkeypatch.setattr(search, name, value)
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        populate(3000)  # makes the index of recent documents, as `flask search refresh` does
        db.session.execute(db.text(f"DROP INDEX {search.RECENT_INDEX}"))
        db.session.commit()
        word = search_words(3000)["one word"]  # in 2 % of the posts

        def searched() -> tuple[list[str], list[str], float]:
            """The titles found, the indexes the word was looked up in, and the most rows any
            step of that lookup read."""
            search._stats.clear()
            with recorded_statements() as statements:
                titles = titles_of(word)
            lookups = [(s, p) for s, p in statements if "vector @@" in s]
            assert len(lookups) == 1  # the newest documents hold enough matches
            steps = list(_nodes(_generic_plan(*lookups[0])))
            scans = [n["Index Name"] for n in steps if n["Node Type"] == "Bitmap Index Scan"]
            return titles, scans, max(_rows_read(n) for n in steps)

        before, _, read = searched()
        assert read > 300  # every document of the window, to find the 6 that hold the word
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["search", "refresh"])
        assert result.exit_code == 0, result.output
        assert "made again: 300 documents" in result.output
        titles, scans, read = searched()
        assert (titles, scans) == (before, [search.RECENT_INDEX])
        assert read <= 10  # the word's entries among the newest 300 documents

        make_post(make_user("author", email="recent@example.org"), title=f"The {word} now",
                  body=word, published_at=datetime.now(UTC) - timedelta(minutes=1))  # fmt: skip
        titles, scans, read = searched()
        # the newest CANDIDATES (4) matches: the new post and the newest three of before
        assert (set(titles), scans) == ({f"The {word} now", *before[:3]}, [search.RECENT_INDEX])
        assert read <= 10


def test_postgresql_search_refreshes_run_one_at_a_time(app_factory, backend, monkeypatch):
    """Refreshes started together (two cron jobs, a rebuild during an import) all finish and
    leave one valid index of the recent documents: none drops the index another is making."""
    if backend != "postgresql":
        pytest.skip("SQLite has no index of recent documents")
    from concurrent.futures import ThreadPoolExecutor

    from bench.generate import populate

    monkeypatch.setattr(search, "RECENT_DOCUMENTS", 300)
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        populate(3000)
        db.session.commit()
        engine = db.engine
        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda _: search.refresh_recent_index(engine), range(8)))
        assert made == [300] * 8
        indexes = db.session.execute(
            db.text(
                "SELECT c.relname, i.indisvalid FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname LIKE 'ix_search_documents_recent%'"
            )
        ).all()
        assert [tuple(row) for row in indexes] == [(search.RECENT_INDEX, True)]


def test_search_refresh_says_when_there_is_nothing_to_make(app, writer, backend):
    make_post(writer, title="Kelp", body="kelp")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "refresh"])
    assert result.exit_code == 0, result.output
    expected = "no index of recent ones needed" if backend == "postgresql" else "SQLite"
    assert expected in result.output
    assert titles_of("kelp") == ["Kelp"]


def test_postgresql_looks_up_only_the_rarer_words_of_a_phrase(app, writer, backend):
    """Words in most documents are left out of the index lookup (PostgreSQL's statistics say
    which), and the whole phrase still decides what is found."""
    if backend != "postgresql":
        pytest.skip("SQLite's FTS5 has no such lookup")
    day = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(60):
        title = "State of the kelp forests" if n % 30 == 3 else f"State of the seagrass {n}"
        make_post(writer, title=title, body="Some text.", published_at=day + timedelta(days=n))
    make_post(writer, title="Kelp: the state of it", body="x", published_at=day)
    _statistics_read()

    def searched(query: str) -> tuple[list[str], bool]:
        titles, lookups = _searched(query, "ts_match_vq")
        return titles, lookups > 0

    phrase = ["State of the kelp forests"] * 2
    assert searched('"state of the kelp"') == (phrase, True)
    titles, rarer_only = searched("state kelp")
    assert (sorted(titles), rarer_only) == ([*sorted(["Kelp: the state of it", *phrase])], True)
    assert sorted(searched("kelp")[0]) == sorted(titles)
    assert searched("kelp")[1] is False  # one word: nothing to leave out
    assert searched("state seagrass")[1] is False  # both words are common


def test_the_index_follows_status_date_and_password_changes(app, writer):
    day = datetime(2020, 1, 1, tzinfo=UTC)
    first = make_post(writer, title="First", body="kelp", published_at=day)
    second = make_post(writer, title="Second", body="kelp", published_at=day + timedelta(days=1))
    assert titles_of("kelp") == ["Second", "First"]
    first.published_at = day + timedelta(days=2)  # a new date: now the newest
    db.session.commit()
    assert titles_of("kelp") == ["First", "Second"]
    second.status = PostStatus.DRAFT.value  # unpublished
    db.session.flush()  # the same transaction already sees it
    assert titles_of("kelp") == ["First"]
    assert titles_of("kelp", staff=True) == ["First", "Second"]
    db.session.commit()
    second.status = PostStatus.PUBLISHED.value
    second.published_at = datetime.now(UTC) + timedelta(days=2)  # scheduled
    db.session.commit()
    assert titles_of("kelp") == ["First"]
    assert titles_of("kelp", now=datetime.now(UTC) + timedelta(days=3)) == ["Second", "First"]
    first.password = "sesame"
    db.session.commit()
    assert titles_of("kelp") == []
    first.password = None
    first.status = PostStatus.PRIVATE.value
    db.session.commit()
    assert titles_of("kelp") == []
    assert titles_of("kelp", staff=True) == ["Second", "First"]


def test_only_the_pages_found_are_loaded(app):
    from sqlalchemy import event

    from app.models import Page

    make_page("Kelp page", body="kelp")
    for n in range(4):
        make_page(f"Other page {n}", body="seagrass")
    db.session.expunge_all()
    loaded = []

    def count(target, context):
        loaded.append(target.title)

    event.listen(Page, "load", count)
    try:
        assert titles_of("kelp") == ["Kelp page"]
    finally:
        event.remove(Page, "load", count)
    assert loaded == ["Kelp page"]  # not every page of the site


def test_the_migration_fills_the_dates_of_an_existing_index(app, backend):
    """Sites indexed before f3a9d2c7b1e4: their rows get the date and open_from columns."""
    _schema_at("e8b2c4d6f1a3")
    writer = make_user()
    # (PostgreSQL reads the vector; SQLite's FTS5 table is filled by its trigger.)
    insert_document = {
        "postgresql": "INSERT INTO search_documents (post_id, config, title, excerpt, byline,"
        " tags, body, vector) VALUES (:id, 'english', :title, '', '', '', 'indexed',"
        " to_tsvector('english', 'indexed'))",
        "sqlite": "INSERT INTO search_documents (post_id, config, title, excerpt, byline, tags,"
        " body) VALUES (:id, 'english', :title, '', '', '', 'indexed')",
    }[backend]
    for number, status in enumerate(("published", "draft"), start=1):
        db.session.execute(
            db.text(
                "INSERT INTO posts (id, title, slug, body_source, body_html, excerpt, status,"
                " author_id, published_at, created_at, updated_at, language, sticky, version,"
                " noindex) VALUES (:id, :title, :title, 'x', '<p>indexed</p>', '', :status, :a,"
                " :t, :t, :t, 'en', false, 1, false)"
            ),
            {"id": number, "title": status, "status": status, "a": writer.id,
             "t": datetime(2020, 1, 1)},
        )  # fmt: skip
        db.session.execute(db.text(insert_document), {"id": number, "title": status})
    db.session.commit()
    upgrade()
    assert titles_of("indexed") == ["published"]
    assert sorted(titles_of("indexed", staff=True)) == ["draft", "published"]
    assert db.session.scalar(db.select(db.func.min(search_documents.c.published_at))) == datetime(
        2020, 1, 1, tzinfo=UTC
    )
    db.session.rollback()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(db.text("DROP TABLE IF EXISTS alembic_version"))


def test_the_configurations_in_use_are_read_by_skipping_along_their_index(app, writer):
    make_post(writer, title="Brief", body="Text.", language="de")
    make_post(writer, title="Lettre", body="Texte.", language="fr")
    make_post(writer, title="Letter", body="Text.", language="fr")
    make_page("Page", body="Text.", language="fa")
    search._configs_in_use.clear()
    assert search.configs_in_use(db.session.connection()) == ["french", "german", "simple"]
