"""Sitemaps and robots.txt: search engines are told exactly the public addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from app.content import sitemaps
from app.models import PostStatus
from tests.factories import make_category, make_page, make_post, make_user

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
ROOT = "http://localhost"


def xml(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content_type.startswith("application/xml")
    return ElementTree.fromstring(response.data)  # noqa: S314 (our own output)


def all_urls(client) -> tuple[set[str], dict[str, list[tuple[str, str]]]]:
    index = xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    locs, alternates = set(), {}
    for child in index.findall("s:sitemap/s:loc", NS):
        urlset = xml(client, child.text.removeprefix(ROOT))
        for url in urlset.findall("s:url", NS):
            loc = url.find("s:loc", NS).text
            assert loc not in locs, f"{loc} listed twice"
            locs.add(loc)
            alternates[loc] = [
                (link.get("hreflang"), link.get("href")) for link in url.findall("x:link", NS)
            ]
    return locs, alternates


def test_the_sitemaps_list_exactly_the_public_addresses(client):
    writer = make_user(name="Ada")
    make_user(name="Silent")  # no posts: no author archive
    rivers = make_category("Rivers")
    make_category("Empty")
    first = make_post(
        writer,
        title="River report",
        slug="river-report",
        published_at=datetime(2015, 3, 4, 10, tzinfo=UTC),
        category_ids=[rivers.id],
        tag_names=["Eels"],
    )
    make_post(
        writer,
        title="Flussbericht",
        slug="flussbericht",
        language="de",
        translation_of=first.id,
        published_at=datetime(2016, 1, 2, 10, tzinfo=UTC),
    )
    make_post(writer, title="Locked", slug="locked", password="x",
              published_at=datetime(2016, 5, 1, tzinfo=UTC))  # fmt: skip
    for status in (PostStatus.DRAFT, PostStatus.PENDING, PostStatus.PRIVATE):
        make_post(writer, title=status.value, slug=f"hidden-{status.value}", status=status.value,
                  tag_names=["Secret"])  # fmt: skip
    make_post(writer, title="Later", slug="later",
              published_at=datetime.now(UTC) + timedelta(days=3))  # fmt: skip
    about = make_page("About", slug="about")
    make_page("Team", slug="team", parent=about)
    make_page("Draft page", slug="draft-page", status="draft")
    locs, alternates = all_urls(client)
    uncategorized = "uncategorized"
    assert locs == {
        f"{ROOT}/2015/03/04/river-report/",
        f"{ROOT}/2016/01/02/flussbericht/",
        f"{ROOT}/2016/05/01/locked/",
        f"{ROOT}/about/",
        f"{ROOT}/about/team/",
        f"{ROOT}/category/rivers/",
        f"{ROOT}/category/{uncategorized}/",
        f"{ROOT}/tag/eels/",
        f"{ROOT}/author/{writer.slug}/",
    }
    assert sorted(alternates[f"{ROOT}/2015/03/04/river-report/"]) == [
        ("de", f"{ROOT}/2016/01/02/flussbericht/"),
        ("en", f"{ROOT}/2015/03/04/river-report/"),
    ]


def test_post_sitemaps_are_split_by_year_and_carry_lastmod(client):
    writer = make_user()
    make_post(writer, published_at=datetime(2014, 1, 1, tzinfo=UTC))
    make_post(writer, published_at=datetime(2019, 7, 1, tzinfo=UTC))
    index = xml(client, "/sitemap.xml")
    children = {
        s.find("s:loc", NS).text: s.find("s:lastmod", NS) for s in index.findall("s:sitemap", NS)
    }
    assert f"{ROOT}/sitemap-posts-2014.xml" in children
    assert f"{ROOT}/sitemap-posts-2019.xml" in children
    assert children[f"{ROOT}/sitemap-posts-2019.xml"].text.startswith("20")
    urlset = xml(client, "/sitemap-posts-2019.xml")
    assert urlset.find("s:url/s:lastmod", NS).text.startswith("20")
    assert client.get("/sitemap-posts-2017.xml").status_code == 404


def test_a_year_over_the_limit_is_split_into_parts(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 2)
    writer = make_user()
    for day in range(5):
        make_post(writer, published_at=datetime(2020, 1, 1 + day, tzinfo=UTC))
    index = xml(client, "/sitemap.xml")
    locs = [s.text for s in index.findall("s:sitemap/s:loc", NS)]
    assert [loc for loc in locs if "posts" in loc] == [
        f"{ROOT}/sitemap-posts-2020.xml",
        f"{ROOT}/sitemap-posts-2020-2.xml",
        f"{ROOT}/sitemap-posts-2020-3.xml",
    ]
    sizes = [len(xml(client, loc.removeprefix(ROOT)).findall("s:url", NS)) for loc in locs[:3]]
    assert sizes == [2, 2, 1]


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    lines = response.text.splitlines()
    for rule in ("Disallow: /admin/", "Disallow: /login", "Disallow: /search"):
        assert rule in lines
    assert f"Sitemap: {ROOT}/sitemap.xml" in lines


@pytest.mark.parametrize("url", ["/sitemap-posts-0.xml", "/sitemap-posts-2020-1.xml"])
def test_unknown_sitemaps_are_404(client, url):
    assert client.get(url).status_code == 404


def test_a_parent_category_with_posts_only_in_sub_categories_is_listed(client):
    writer = make_user()
    reports = make_category("Reports")  # no post of its own
    annual = make_category("Annual", parent=reports)
    make_category("Monthly", parent=reports)  # no post: no archive
    hidden = make_category("Hidden")
    drafts = make_category("Drafts", parent=hidden)  # only a draft: neither is public
    make_post(writer, title="Annual report", category_ids=[annual.id])
    make_post(writer, title="Draft", status=PostStatus.DRAFT.value, category_ids=[drafts.id])
    locs, _alternates = all_urls(client)
    listed = {loc for loc in locs if "/category/" in loc}
    assert listed == {f"{ROOT}/category/reports/", f"{ROOT}/category/annual/"}
    # Exactly the public category archives: each listed one answers, the others are 404.
    for slug in ("reports", "annual"):
        assert client.get(f"/category/{slug}/").status_code == 200
    for slug in ("monthly", "hidden", "drafts"):
        assert client.get(f"/category/{slug}/").status_code == 404
