"""Measure how fast the public pages render with a realistic amount of content.

2,000 posts by 20 authors in 20 nested categories with tags, four languages, pinned posts, a
header menu and featured sections.

Usage: ``make bench`` (SQLite in a temporary folder) or
``BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/test .venv/bin/python bench/bench_pages.py``
(the PostgreSQL database is emptied first). Prints median and 95th-percentile latency per page
through the WSGI stack (no network), and the SQL queries each page costs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.auth.passwords import hash_password
from app.content.pages import PageDraft, save_page
from app.content.publishing import PostDraft, create_post
from app.content.settings import save_settings
from app.content.taxonomy import save_category
from app.extensions import db
from app.models import MenuItem, Post, User
from app.templating import post_url

POSTS = int(os.environ.get("BENCH_POSTS", "2000"))
AUTHORS = 20
CATEGORIES = 20
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
BODY = (
    "A paragraph of an ordinary article with *some* emphasis and a [link](https://example.org).\n\n"
) * 12


def populate() -> None:
    db.drop_all()
    db.create_all()
    authors = [
        User(email=f"a{n}@bench.invalid", display_name=f"Author {n}", role="author",
             password_hash=hash_password("bench password 123"))
        for n in range(AUTHORS)
    ]  # fmt: skip
    db.session.add_all(authors)
    top = [save_category(None, name=f"Section {n}") for n in range(CATEGORIES // 2)]
    categories = top + [
        save_category(None, name=f"Subsection {n}", parent=top[n % len(top)])
        for n in range(CATEGORIES - len(top))
    ]
    about = save_page(None, PageDraft(title="About", body_source=BODY, status="published"))
    db.session.add(MenuItem(position=0, page_id=about.id))
    for position, category in enumerate(top[:4], start=1):
        db.session.add(MenuItem(position=position, category_id=category.id))
    save_settings({"featured_categories": [c.id for c in top[:3]]})
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for n in range(POSTS):
        draft = PostDraft(
            title=f"Report number {n} on the state of things",
            body_source=BODY,
            status="published",
            published_at=start + timedelta(hours=n * 7),
            category_ids=[categories[n % CATEGORIES].id],
            tag_names=[f"topic {n % 40}", "common"],
            language=("en", "de", "fr", "fa")[n % 4],
            sticky=n % 500 == 0,
        )
        create_post(authors[n % AUTHORS], draft)
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()


def measure(client, url: str, queries: list[str]) -> tuple[float, float, float]:
    client.get(url)  # warm caches and templates
    queries.clear()
    client.get(url)
    per_page = len(queries)
    timings = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], per_page


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": Path(folder),
                "SECRET_KEY": "bench" * 10,
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            }
        )
        with app.app_context():
            began = time.perf_counter()
            populate()
            print(f"database: {db.engine.url.get_backend_name()}, {POSTS} posts by {AUTHORS} authors "
                  f"(created in {time.perf_counter() - began:.1f} s)")  # fmt: skip
            with app.test_request_context():
                post = db.session.scalars(db.select(Post).order_by(Post.id.desc()).limit(1)).one()
                post_path = post_url(post)
            queries: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
            client = app.test_client()
            print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
            for label, path in [
                ("home", "/"),
                ("home page 50", "/?page=50"),
                ("category (with children)", "/category/section-0/"),
                ("tag", "/tag/common/?page=20"),
                ("year, German only", "/2016/?lang=de"),
                ("author", "/author/author-0/"),
                ("post", post_path),
                ("page", "/about/"),
            ]:
                median, p95, per_page = measure(client, path, queries)
                print(f"{label:<28}{median:>10.2f}{p95:>10.2f}{per_page:>9}")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
