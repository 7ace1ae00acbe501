"""HTTP benchmark: Broadside under gunicorn, loaded with wrk, beside a bare Flask "hello".

For each database (SQLite; PostgreSQL when ``BENCH_POSTGRES_URL`` is set), each site size in
``BENCH_POSTS`` and the page cache off and on, it fills the database with the bulk generator
(bench/generate.py), starts gunicorn (gunicorn.conf.py, 2 sync workers) on a free loopback
port, and runs wrk against each kind of page. The bare Flask app (bench/hello.py) runs under
the same gunicorn settings in the same run, before and after each group of pages (a database,
a size, the cache off or on); every figure is also given as a ratio to the mean of the two
hello runs around its group, so that a machine whose speed drifts during a run (a shared VM)
moves the page and its yardstick together.

Settings (environment):
    BENCH_POSTS="10000"          site sizes, comma-separated (e.g. "10000,1000000")
    BENCH_POSTGRES_URL=...       postgresql+psycopg://... (emptied and filled!); unset: SQLite only
    BENCH_DATABASES="sqlite,postgresql"
    BENCH_CACHE="off,on"
    BENCH_SECONDS=10  BENCH_CONNECTIONS=32  BENCH_THREADS=2  BENCH_WORKERS=2
    BENCH_PAGES="home,tag p20"   only these page labels
    BENCH_OUTPUT=path            also append the Markdown table to this file
    BENCH_SQLITE_PATH=file       keep the SQLite database there (default: a temporary folder)
    BENCH_REUSE=1                keep a database that already holds exactly BENCH_POSTS posts
    CARD_MEMO=false              workers render every post card afresh (the cold render)

wrk is a Debian package: the script installs it with apt-get when it is missing and it runs
as root; otherwise it stops with a message saying so.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@dataclass
class Result:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package (apt-get install wrk)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        sys.exit("bench: wrk is not installed; run `apt-get install wrk` (Debian) and try again.")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the project's gunicorn.conf.py on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], chdir: Path = ROOT) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(chdir),
             "-b", f"127.0.0.1:{self.port}", "-w", str(WORKERS), "--access-logfile", "/dev/null",
             # No recycling: gunicorn.conf.py restarts a worker every ~5,000 requests (a leak
             # guard), which at cache-on rates lands inside a 5 s run and measures a restart.
             "--max-requests", "0",
             "--log-level", "warning", app],
            env={**os.environ, **env},
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn for {app} exited") from None
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn for {app} did not answer")

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(wrk: str, label: str, url: str) -> Result:
    for _ in range(20):  # warm up: templates, caches, connections in every worker
        urllib.request.urlopen(url, timeout=10).read()  # noqa: S310
    output = subprocess.run(  # noqa: S603
        [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups()[::3])  # connect + timeout
    return Result(label, rate, p50, p99, errors)


def warm_up(wrk: str, base: str, targets: list[tuple[str, str]]) -> None:
    """A second of load on each page before any is measured, discarded: without it the first
    page measured after a server start also measured the workers settling in (their first
    connections and listener threads, the first renders), which showed in its p99 only."""
    for _label, path in targets:
        subprocess.run(  # noqa: S603
            [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", "-d1s", base + path],
            capture_output=True, check=True,
        )  # fmt: skip


def pages(database_url: str, folder: Path) -> list[tuple[str, str]]:
    from app import create_app
    from app.extensions import db
    from app.models import Post
    from app.templating import post_url
    from bench.generate import search_words

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": folder,
                      "SECRET_KEY": "bench" * 10, "PAGE_CACHE": False})  # fmt: skip
    with app.app_context(), app.test_request_context():
        count = db.session.scalar(db.select(db.func.max(Post.id)))
        middle = db.session.get(Post, count // 2)
        post_path = post_url(middle)
        year = middle.published_at.year
        db.engine.dispose()
    chosen = os.environ.get("BENCH_PAGES")
    every = [
        ("home", "/"),
        ("home p50", "/?page=50"),
        ("category", "/category/section-0/"),
        ("tag p20", "/tag/common/?page=20"),
        # 1 post in 64, and a category with a sub-category: flat only if the archive walks its
        # term's own index (bench/generate.py).
        ("rare tag p10", "/tag/rare/?page=10"),
        ("rare category p5", "/category/rare/?page=5"),
        ("year, one language", f"/{year}/?lang=de"),
        ("author", "/author/author-0/"),
        ("post", post_path),
        ("page", "/about/"),
        *(
            (f"search {kind}", "/search?" + urlencode({"q": words}))
            for kind, words in search_words(count).items()
        ),
        ("feed (RSS)", "/feed/"),
        # No template and no query: what every request costs in this app (hooks, session,
        # limiter, security headers, request log) before a page does any work of its own.
        ("floor (robots.txt)", "/robots.txt"),
    ]
    if chosen:
        wanted = {c.strip() for c in chosen.split(",")}
        every = [p for p in every if p[0] in wanted]
    return every


def populate(database_url: str, posts: int, folder: Path) -> float:
    from sqlalchemy.exc import SQLAlchemyError

    from app import create_app
    from app.extensions import db
    from app.models import Post
    from bench.generate import populate as fill

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": folder,
                      "SECRET_KEY": "bench" * 10, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                      "PAGE_CACHE": False})  # fmt: skip
    with app.app_context():
        if os.environ.get("BENCH_REUSE") == "1":
            try:
                existing = db.session.scalar(db.select(db.func.max(Post.id)))
            except SQLAlchemyError:
                db.session.rollback()
                existing = None
            if existing == posts:
                db.session.remove()
                db.engine.dispose()
                return 0.0
        seconds = fill(posts)
        db.session.remove()
        db.engine.dispose()
    return seconds


def table(rows: list[tuple], hellos: list[Result]) -> str:
    """The Markdown table. ``rows``: (database, posts, cache, result, hello req/s for its group)."""
    runs = ", ".join(f"{h.requests_per_second:,.0f}" for h in hellos)
    lines = [
        f"bare Flask hello, before and after each group: {runs} req/s; "
        f"p99 {min(h.p99_ms for h in hellos):.2f}-{max(h.p99_ms for h in hellos):.2f} ms",
        "",
        "| database | posts | cache | page | req/s | p50 ms | p99 ms | hello req/s | × hello "
        "| errors |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for database, posts, cache, result, hello in rows:
        lines.append(
            f"| {database} | {posts:,} | {cache} | {result.label} | "
            f"{result.requests_per_second:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
            f"{hello:,.0f} | {result.requests_per_second / hello:.2f} | {result.errors} |"
        )
    return "\n".join(lines)


def measure_hello(wrk: str) -> Result:
    """The bare Flask app under the same gunicorn settings: the yardstick."""
    server = Server("hello:app", {}, chdir=ROOT / "bench")
    try:
        hello = run_wrk(wrk, "hello", server.url + "/")
    finally:
        server.stop()
    print(f"bare Flask hello: {hello.requests_per_second:,.0f} req/s", flush=True)
    return hello


def main() -> None:
    wrk = ensure_wrk()
    sizes = [int(n) for n in os.environ.get("BENCH_POSTS", "10000").split(",")]
    caches = [c.strip() for c in os.environ.get("BENCH_CACHE", "off,on").split(",")]
    wanted_databases = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    postgres_url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("BENCH_DATABASE_URL")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} before the run; "
          f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s; gunicorn -w {WORKERS} (sync)",
          flush=True)  # fmt: skip
    hellos = [measure_hello(wrk)]
    rows: list[tuple] = []
    rss: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        databases = []
        if "sqlite" in wanted_databases:
            sqlite_path = os.environ.get("BENCH_SQLITE_PATH") or f"{folder}/bench.sqlite3"
            databases.append(("SQLite", f"sqlite:///{sqlite_path}"))
        if "postgresql" in wanted_databases:
            if postgres_url:
                databases.append(("PostgreSQL", postgres_url))
            else:
                print("PostgreSQL skipped: set BENCH_POSTGRES_URL=postgresql+psycopg://... "
                      "(that database is emptied)", flush=True)  # fmt: skip
        for database, url in databases:
            for posts in sizes:
                seconds = populate(url, posts, folder)
                print(f"{database}: {posts:,} posts generated in {seconds:.0f} s", flush=True)
                targets = pages(url, folder)
                for cache in caches:
                    env = {
                        "DATABASE_URL": url,
                        "SECRET_KEY": "bench" * 10,
                        "PAGE_CACHE": "true" if cache == "on" else "false",
                        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
                        "BROADSIDE_ENV": "development",
                    }
                    server = Server("wsgi:app", env)
                    group = []
                    try:
                        warm_up(wrk, server.url, targets)
                        for label, path in targets:
                            result = run_wrk(wrk, label, server.url + path)
                            group.append(result)
                            print(f"  {database} {posts:,} cache {cache}: {label:<20}"
                                  f"{result.requests_per_second:>9,.0f} req/s  "
                                  f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms",
                                  flush=True)  # fmt: skip
                        rss.extend(server.worker_rss_mb())
                    finally:
                        server.stop()
                    hellos.append(measure_hello(wrk))
                    around = (hellos[-2].requests_per_second + hellos[-1].requests_per_second) / 2
                    rows.extend((database, posts, cache, result, around) for result in group)
    report = table(rows, hellos)
    if rss:
        report += f"\n\nworker RSS after the runs: max {max(rss):.0f} MB"
    print("\n" + report)
    output = os.environ.get("BENCH_OUTPUT")
    if output:
        with open(output, "a") as handle:
            handle.write(report + "\n\n")


if __name__ == "__main__":
    main()
