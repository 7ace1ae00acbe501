"""How fast a WordPress export moves in, and how much memory that takes.

Generates an export of ``BENCH_IMPORT_POSTS`` posts (10,000 by default) by 25 authors, with 60
nested categories, 400 tags, 300 pages and 1,000 attachments, classic content with paragraphs,
captions and galleries, then imports it into an empty database, each run in its own process so
its peak memory (max RSS) is measured on its own. A quarter-size export is imported too: peak
memory should not grow with the size of the file.

Usage: ``make bench-import`` (SQLite, and PostgreSQL when ``BENCH_DATABASE_URL`` or
``TEST_DATABASE_URL`` is set; that database is emptied first).
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POSTS = int(os.environ.get("BENCH_IMPORT_POSTS", "10000"))
AUTHORS = 25
CATEGORIES = 60
TAGS = 400
PAGES = 300
ATTACHMENTS = 1000
SITE = "https://old-ngo.example.org"

PARAGRAPH = (
    "The committee met on Tuesday to discuss the <em>annual report</em> and the next steps "
    'of the campaign. Volunteers from four cities joined, and the <a href="{site}/about/">'
    "coordination team</a> presented the figures for the last quarter."
)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def generate(path: Path, posts: int) -> None:
    rng = random.Random(7)  # noqa: S311 (repeatable test data, not secrets)
    with path.open("w", encoding="utf-8") as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8" ?>\n')
        w(
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
        )
        w(
            f"<channel><title>Old NGO</title><link>{SITE}</link><wp:wxr_version>1.2</wp:wxr_version>\n"
        )
        w(
            f"<wp:base_site_url>{SITE}</wp:base_site_url><wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
        )
        for n in range(AUTHORS):
            w(
                f"<wp:author><wp:author_id>{n + 1}</wp:author_id><wp:author_login>{_cdata(f'writer{n}')}"
                f"</wp:author_login><wp:author_email>{_cdata(f'writer{n}@old-ngo.example.org')}"
                f"</wp:author_email><wp:author_display_name>{_cdata(f'Writer {n}')}"
                "</wp:author_display_name></wp:author>\n"
            )
        for n in range(CATEGORIES):
            parent = f"section-{n // 6}" if n >= 10 else ""
            w(
                f"<wp:category><wp:term_id>{n + 1}</wp:term_id><wp:category_nicename>section-{n}"
                f"</wp:category_nicename><wp:category_parent>{parent}</wp:category_parent>"
                f"<wp:cat_name>{_cdata(f'Section {n}')}</wp:cat_name></wp:category>\n"
            )
        for n in range(TAGS):
            w(
                f"<wp:tag><wp:term_id>{1000 + n}</wp:term_id><wp:tag_slug>topic-{n}</wp:tag_slug>"
                f"<wp:tag_name>{_cdata(f'Topic {n}')}</wp:tag_name></wp:tag>\n"
            )
        item_id = 100000
        for n in range(ATTACHMENTS):
            item_id += 1
            url = f"{SITE}/wp-content/uploads/2019/{n % 12 + 1:02d}/photo-{n}.jpg"
            w(
                f"<item><title>Photo {n}</title><link>{SITE}/?attachment_id={item_id}</link>"
                f"<dc:creator>writer{n % AUTHORS}</dc:creator><content:encoded>{_cdata('')}</content:encoded>"
                f"<excerpt:encoded>{_cdata(f'Caption {n}')}</excerpt:encoded><wp:post_id>{item_id}</wp:post_id>"
                "<wp:post_date>2019-01-01 10:00:00</wp:post_date><wp:post_date_gmt>2019-01-01 09:00:00</wp:post_date_gmt>"
                f"<wp:post_name>photo-{n}</wp:post_name><wp:status>inherit</wp:status>"
                f"<wp:post_parent>{n + 1}</wp:post_parent><wp:post_type>attachment</wp:post_type>"
                f"<wp:attachment_url>{url}</wp:attachment_url>"
                f"<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>{_cdata(f'Photo {n}')}</wp:meta_value></wp:postmeta>"
                "</item>\n"
            )
        for n in range(PAGES):
            item_id += 1
            parent = 0 if n < 30 else item_id - 30 - (n % 30)
            w(
                f"<item><title>{_cdata(f'Page {n}')}</title><link>{SITE}/page-{n}/</link>"
                f"<dc:creator>writer{n % AUTHORS}</dc:creator>"
                f"<content:encoded>{_cdata((PARAGRAPH.format(site=SITE) + chr(10) * 2) * 4)}</content:encoded>"
                f"<excerpt:encoded>{_cdata('')}</excerpt:encoded><wp:post_id>{item_id}</wp:post_id>"
                "<wp:post_date>2018-05-05 10:00:00</wp:post_date><wp:post_date_gmt>2018-05-05 09:00:00</wp:post_date_gmt>"
                f"<wp:post_name>page-{n}</wp:post_name><wp:status>publish</wp:status>"
                f"<wp:post_parent>{parent if parent > 100000 + ATTACHMENTS else 0}</wp:post_parent>"
                f"<wp:menu_order>{n % 7}</wp:menu_order><wp:post_type>page</wp:post_type></item>\n"
            )
        for n in range(posts):
            post_id = n + 1
            day = 1 + n % 28
            month = 1 + (n // 28) % 12
            year = 2010 + n // (28 * 12)
            paragraphs = [PARAGRAPH.format(site=SITE) for _ in range(rng.randint(4, 9))]
            if n % 5 == 0:
                a = n % ATTACHMENTS
                paragraphs.insert(
                    1,
                    f'[caption id="attachment_{100001 + a}" align="alignright" width="300"]'
                    f'<img src="{SITE}/wp-content/uploads/2019/{a % 12 + 1:02d}/photo-{a}-300x200.jpg" '
                    f'alt="Photo {a}" width="300" height="200" /> A caption for photo {a}[/caption]',
                )
            if n % 23 == 0:
                paragraphs.append("[gallery]")
            if n % 3 == 0:
                paragraphs.insert(2, "<!--more-->")
            content = "\n\n".join(paragraphs)
            cats = "".join(
                f'<category domain="category" nicename="section-{c}">{_cdata(f"Section {c}")}</category>'
                for c in {n % CATEGORIES, (n * 7) % CATEGORIES}
            )
            tags = "".join(
                f'<category domain="post_tag" nicename="topic-{t}">{_cdata(f"Topic {t}")}</category>'
                for t in {n % TAGS, (n * 13) % TAGS, (n * 31) % TAGS}
            )
            status = "publish" if n % 50 else "draft"
            slug = f"news-item-{n}"
            w(
                f"<item><title>{_cdata(f'News item {n}: the campaign goes on')}</title>"
                f"<link>{SITE}/{year}/{month:02d}/{day:02d}/{slug}/</link>"
                f"<dc:creator>writer{n % AUTHORS}</dc:creator><content:encoded>{_cdata(content)}</content:encoded>"
                f"<excerpt:encoded>{_cdata('')}</excerpt:encoded><wp:post_id>{post_id}</wp:post_id>"
                f"<wp:post_date>{year}-{month:02d}-{day:02d} 12:00:00</wp:post_date>"
                f"<wp:post_date_gmt>{year}-{month:02d}-{day:02d} 11:00:00</wp:post_date_gmt>"
                f"<wp:post_name>{slug}</wp:post_name><wp:status>{status}</wp:status>"
                f"<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>"
                f"<wp:is_sticky>{int(n < 3)}</wp:is_sticky>{cats}{tags}</item>\n"
            )
        w("</channel></rss>\n")


def child(export: str, database_url: str) -> None:
    """Import ``export`` into an emptied database; print seconds, posts and peak RSS."""
    from app import create_app
    from app.extensions import db
    from app.importers.wordpress.importer import import_wordpress

    instance = tempfile.mkdtemp(prefix="bench-import-instance-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance})
    with app.app_context():
        db.drop_all()
        db.create_all()
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        report = import_wordpress(export)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        posts = report.counts["posts"]["imported"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.3f} {cpu:.3f} {posts} {peak_mb:.1f} {workers_mb:.1f}")


def _cpu_seconds() -> float:
    """CPU time of this process and its (finished) worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run(export: Path, database_url: str) -> tuple[float, float, int, float, float]:
    result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, __file__, "--child", str(export), database_url],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"import failed:\n{result.stderr[-3000:]}")
    seconds, cpu, posts, peak, workers = result.stdout.split()[-5:]
    return float(seconds), float(cpu), int(posts), float(peak), float(workers)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    big, small = work / "export.xml", work / "export-quarter.xml"
    generate(big, POSTS)
    generate(small, POSTS // 4)
    print(
        f"export: {POSTS:,} posts, {PAGES} pages, {ATTACHMENTS:,} attachments, {CATEGORIES} "
        f"categories, {TAGS} tags; {big.stat().st_size / 1e6:.1f} MB "
        f"(quarter-size: {small.stat().st_size / 1e6:.1f} MB)"
    )
    backends = [("SQLite", f"sqlite:///{work / 'bench.sqlite3'}")]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        if pg.startswith("postgresql://"):
            pg = "postgresql+psycopg://" + pg.removeprefix("postgresql://")
        backends.append(("PostgreSQL", pg))
    else:
        print("PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    for name, url in backends:
        for label, export, count in (("full", big, POSTS), ("quarter", small, POSTS // 4)):
            seconds, cpu, posts, peak, workers = run(export, url)
            print(
                f"{name:<10} {label:<8} {count:>6} posts in {seconds:6.1f} s = "
                f"{posts / seconds:5.0f} posts/s ({posts / cpu:5.0f} per CPU-second), "
                f"peak RSS {peak:4.0f} MB (largest worker {workers:4.0f} MB)"
            )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
