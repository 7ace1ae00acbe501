"""Instructions a request costs, counted by valgrind (callgrind): the same figure on every run.

Wall-clock figures on a shared VM move by 20 % or more between runs of the same code; the
number of instructions the CPU executes for a request does not. Each page is requested in a
fresh process (the app in-process, no HTTP server): 20 requests to warm it up, then the counted
ones with the garbage collector off and a fixed hash seed, and the total divided by their
number. The database is not counted when it is PostgreSQL (another process), so compare
figures on SQLite.

Settings (environment):
    BENCH_DATABASE_URL=...   the site to read (default: BENCH_SQLITE_PATH, or 10,000 posts made
                             by the bulk generator in a temporary folder)
    BENCH_SQLITE_PATH=file   a SQLite file made by ``make bench`` (BENCH_REUSE=1)
    BENCH_REQUESTS=10        counted requests per page

Usage: ``.venv/bin/python bench/instructions.py [path ...]`` (default: the floor, the home
page, a category, a tag's page 20 and a post).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Run in the child: build the app, warm a page up, then count between two marker calls
# (callgrind zeroes its counters on entering getppid and dumps them on entering getpgrp).
HARNESS = """
import gc, os, sys
from werkzeug.test import EnvironBuilder
from app import create_app
app = create_app({"PAGE_CACHE": False})  # the request log on, as in production
def call(path):
    environ = EnvironBuilder(path=path, base_url="http://127.0.0.1:5000").get_environ()
    b"".join(app(environ, lambda status, headers, exc_info=None: None))
path, count = sys.argv[1], int(sys.argv[2])
for _ in range(20):
    call(path)
gc.collect()
gc.disable()
os.getppid()
for _ in range(count):
    call(path)
os.getpgrp()
"""

DEFAULT_PATHS = ["/robots.txt", "/", "/category/section-0/", "/tag/common/?page=20"]


def instructions(valgrind: str, database_url: str, path: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench" * 10,
            "MIGRATIONS_CLI": "0",
            "PYTHONHASHSEED": "0",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(  # noqa: S603
            [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
             "--zero-before=getppid", "--dump-before=getpgrp", "--separate-threads=yes",
             sys.executable, "-c", HARNESS, path, str(count)],
            cwd=ROOT, env=environment, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # the log lines too
        )  # fmt: skip
        # The dump made on entering getpgrp holds exactly the counted requests; of the main
        # thread only (thread 1), which serves them. On PostgreSQL a second thread LISTENs
        # for changes (app/caching/generation.py) and wakes every second of wall-clock time:
        # counted, it added about 4M instructions a request to some runs and not to others.
        dump = next(p for p in Path(folder).iterdir() if p.name.endswith(".1-01"))
        for line in dump.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]) // count
    raise RuntimeError(f"no totals in callgrind's output for {path}")


def database() -> tuple[str, tempfile.TemporaryDirectory | None]:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url, None
    path = os.environ.get("BENCH_SQLITE_PATH")
    if path:
        return f"sqlite:///{path}", None
    from bench.bench_http import populate

    folder = tempfile.TemporaryDirectory()
    url = f"sqlite:///{folder.name}/bench.sqlite3"
    seconds = populate(url, 10_000, Path(folder.name))
    print(f"10,000 posts generated in {seconds:.0f} s", flush=True)
    return url, folder


def main() -> None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    count = int(os.environ.get("BENCH_REQUESTS", "10"))
    url, folder = database()
    try:
        paths = sys.argv[1:] or [*DEFAULT_PATHS, _a_post(url)]
        for path in paths:
            print(f"{path:<45}{instructions(valgrind, url, path, count):>14,} instructions a request",
                  flush=True)  # fmt: skip
    finally:
        if folder is not None:
            folder.cleanup()


def _a_post(url: str) -> str:
    """The address of the post in the middle of the site, as ``make bench`` picks it."""
    from bench.bench_http import pages

    with tempfile.TemporaryDirectory() as folder:
        return dict(pages(url, Path(folder)))["post"]


if __name__ == "__main__":
    main()
