"""Soak and outage drill: gunicorn on PostgreSQL under wrk, then a database outage under load.

Usage: ``SOAK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/soak make soak``
(the database is emptied first). Needs ``wrk`` (installed with apt-get when missing, as root).

1. Load: wrk, SOAK_SECONDS (60) at SOAK_CONNECTIONS (64) over public pages. Pass: no socket
   errors, no non-2xx/3xx answers.
2. Outage: a steady load of public requests while the database refuses connections and every
   connection of the app is killed (what a PostgreSQL restart does to the app) for
   OUTAGE_SECONDS, then accepts them again. Pass: only 200 or 503 during the outage, never a
   500; only 200 before it and from a few seconds after it on, with no restart of gunicorn.
Only this database is touched (ALTER DATABASE ... ALLOW_CONNECTIONS), never the server.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "64"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
OUTAGE_SECONDS = int(os.environ.get("OUTAGE_SECONDS", "10"))
# A request still unanswered after this long counts as an error (wrk's default, 2 s, is less
# than a shared 2-core machine takes at the slow tail under 64 connections).
WRK_TIMEOUT = int(os.environ.get("SOAK_WRK_TIMEOUT", "10"))
RECOVERY_GRACE = 5  # seconds after the database is back in which 503s may still finish
APP_NAME = "broadside-soak"
PATHS = ["/", "/?page=2", "/category/reports/", "/about/", "/2024/", "/search/"]

WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def _require_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("wrk is missing; installing it with apt-get ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)  # noqa: S607
    path = shutil.which("wrk")
    if not path:
        sys.exit("soak: wrk is not installed and apt-get could not install it")
    return path


def _prepare(database_url: str) -> None:
    from app import create_app
    from app.demo import load_demo_content
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_demo_content()
        db.session.commit()
        db.engine.dispose()


def _existing_paths(base: str) -> list[str]:
    good = []
    for path in PATHS:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    good.append(path)
        except urllib.error.HTTPError:
            continue
    return good or ["/"]


def _start_gunicorn(
    database_url: str, instance: Path
) -> tuple[subprocess.Popen, str, socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BROADSIDE_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "soak-secret-key-that-is-long-enough-0123456789",
        "REQUEST_LOG": "0",
    }
    process = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=(listener.fileno(),),
        stdout=subprocess.DEVNULL,
        stderr=open(instance / "gunicorn.log", "wb"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                return process, base, listener
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    sys.exit("soak: gunicorn did not start; see " + str(instance / "gunicorn.log"))


def run_wrk(wrk: str, base: str, paths: list[str], workdir: Path) -> bool:
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    command = [
        wrk,
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        f"--timeout={WRK_TIMEOUT}s",
        "--latency",
        "-s",
        str(script),
        base,
    ]
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    print(result.stdout, flush=True)
    errors = re.search(r"Socket errors: (.*)", result.stdout)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    ok = result.returncode == 0 and not errors and not bad
    print("LOAD: " + ("PASS (no errors, no 5xx)" if ok else "FAIL"), flush=True)
    return ok


def run_outage(base: str, paths: list[str], admin_url: str, database: str) -> bool:
    """Steady load from threads; refuse and kill the app's connections for a while."""
    log: list[tuple[float, int]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        i = n
        while not stop.is_set():
            i += 1
            try:
                with urllib.request.urlopen(base + paths[i % len(paths)], timeout=30) as r:  # noqa: S310
                    status = r.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = 0
            log.append((time.monotonic(), status))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(8)]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(5)
    with admin.connect() as connection:
        down = time.monotonic()
        connection.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
        time.sleep(OUTAGE_SECONDS)
        connection.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true'))
        up = time.monotonic()
    time.sleep(RECOVERY_GRACE + 10)
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    admin.dispose()

    def summary(rows):
        return dict(collections.Counter(status for _, status in rows))

    before = [r for r in log if r[0] < down]
    during = [r for r in log if down <= r[0] < up + RECOVERY_GRACE]
    after = [r for r in log if r[0] >= up + RECOVERY_GRACE]
    print(
        f"outage drill: {len(log)} requests in {time.monotonic() - started:.0f} s; database "
        f"refused and connections killed for {up - down:.1f} s",
        flush=True,
    )
    print(f"  before the outage: {summary(before)}", flush=True)
    print(f"  during (+{RECOVERY_GRACE} s grace): {summary(during)}", flush=True)
    print(f"  after: {summary(after)}", flush=True)
    ok = (
        set(summary(before)) <= {200}
        and set(summary(during)) <= {200, 503}
        and 503 in summary(during)
        and after
        and set(summary(after)) <= {200}
    )
    print("OUTAGE: " + ("PASS (503 only during the outage, recovered)" if ok else "FAIL"))
    return bool(ok)


def main() -> None:
    database_url = os.environ.get("SOAK_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        sys.exit("soak: set SOAK_DATABASE_URL to a PostgreSQL database it may empty")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    url = make_url(database_url)
    app_url = url.update_query_dict({"application_name": APP_NAME}).render_as_string(
        hide_password=False
    )
    admin_url = url.set(database="postgres").render_as_string(hide_password=False)
    wrk = _require_wrk()
    _prepare(database_url)
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        process, base, listener = _start_gunicorn(app_url, workdir)
        try:
            paths = _existing_paths(base)
            load_ok = run_wrk(wrk, base, paths, workdir)
            outage_ok = run_outage(base, paths, admin_url, url.database)
        finally:
            process.terminate()
            process.wait(timeout=30)
            listener.close()
    sys.exit(0 if load_ok and outage_ok else 1)


if __name__ == "__main__":
    main()
