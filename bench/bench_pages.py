"""Per-page latency through the WSGI stack (no network, page cache off) and queries per page.

The site comes from the bulk generator (bench/generate.py): 20 authors, 20 nested categories,
tags, four languages, pinned posts, a header menu and featured sections. The HTTP benchmark
with gunicorn and wrk is ``make bench`` (bench/bench_http.py).

Usage: ``make bench-pages`` (SQLite in a temporary folder) or
``BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/test .venv/bin/python bench/bench_pages.py``
(the PostgreSQL database is emptied first). Prints median and 95th-percentile latency per page
through the WSGI stack (no network), the SQL queries each page costs, and the median with every
post card rendered afresh (``CARD_MEMO`` off: a worker's first view of those posts).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.extensions import db
from app.models import Post
from app.templating import post_url

POSTS = int(os.environ.get("BENCH_POSTS", "10000"))
AUTHORS = 20
CATEGORIES = 20
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
BODY = (
    "A paragraph of an ordinary article with *some* emphasis and a [link](https://example.org).\n\n"
) * 12


def populate() -> None:
    from bench.generate import populate as bulk_populate

    bulk_populate(POSTS)


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
                "PAGE_CACHE": False,
            }
        )
        with app.app_context():
            began = time.perf_counter()
            populate()
            print(f"database: {db.engine.url.get_backend_name()}, {POSTS} posts by {AUTHORS} authors "
                  f"(created in {time.perf_counter() - began:.1f} s)")  # fmt: skip
            with app.test_request_context():
                post = db.session.get(Post, POSTS // 2)  # the newest few are scheduled
                post_path = post_url(post)
            queries: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
            client = app.test_client()
            print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'cold cards ms':>14}")
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
                memo = app.config["CARD_MEMO"]
                app.config["CARD_MEMO"] = False
                cold = measure(client, path, queries)[0]
                app.config["CARD_MEMO"] = memo
                print(f"{label:<28}{median:>10.2f}{p95:>10.2f}{per_page:>9}{cold:>14.2f}")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
