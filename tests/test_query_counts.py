"""Pages cost a constant number of SQL queries however much content the site has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import count_queries
from tests.factories import make_post, make_user


def _populate(authors: int, posts: int):
    writers = [make_user(name=f"Writer {n}") for n in range(authors)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    made = [
        make_post(writers[n % authors], published_at=start + timedelta(days=n))
        for n in range(posts)
    ]
    return made[-1]


def _queries_for(app, url: str) -> int:
    client = app.test_client()
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def _post_path(post) -> str:
    return f"/{post.published_at:%Y/%m/%d}/{post.slug}/"


def test_home_and_post_pages_cost_the_same_queries_small_or_large(app_factory):
    small = app_factory()
    with small.app_context():
        newest_small = _populate(authors=1, posts=5)
        small_home = _queries_for(small, "/")
        small_post = _queries_for(small, _post_path(newest_small))

    large = app_factory()
    with large.app_context():
        newest_large = _populate(authors=6, posts=60)
        large_home = _queries_for(large, "/")
        large_page_3 = _queries_for(large, "/?page=3")
        large_post = _queries_for(large, _post_path(newest_large))

    assert small_home == large_home
    assert small_post == large_post
    print(f"queries: home {large_home}, home page 3 {large_page_3}, post {large_post}")
    assert large_page_3 <= large_home
