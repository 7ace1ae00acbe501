"""A real multi-worker server for concurrency tests: gunicorn on a free loopback port.

The test process builds the database (factories), then gunicorn serves ``wsgi:app`` on it with
several worker processes, so requests race the way they do in production: separate processes,
separate connections, one database.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Generous limits: these tests are about races, not throttling (tests/test_throttling.py).
_UNTHROTTLED = {
    name: "1000 per minute"
    for name in (
        "LOGIN_RATE_LIMIT",
        "LOGIN_ACCOUNT_RATE_LIMIT",
        "RESET_RATE_LIMIT",
        "RESET_ACCOUNT_RATE_LIMIT",
        "TWO_FACTOR_RATE_LIMIT",
        "TWO_FACTOR_ACCOUNT_RATE_LIMIT",
        "PASSWORD_CHECK_RATE_LIMIT",
    )
}


@contextmanager
def gunicorn_server(
    database_url: str, tmp_path: Path, *, workers: int = 4, env: dict | None = None
) -> Iterator[str]:
    """Serve the app on ``database_url`` with ``workers`` processes; yield its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    instance = tmp_path / "gunicorn-instance"
    instance.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        **_UNTHROTTLED,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "BROADSIDE_INSTANCE_PATH": str(instance),
        "BROADSIDE_ENV": "development",
        "REDIS_URL": "",
        "MAIL_SERVER": "",
        **(env or {}),
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        pass_fds=(listener.fileno(),),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, tmp_path / "gunicorn.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        listener.close()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer:\n" + log.read_text(errors="replace"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (urllib; no extra package)."""

    def __init__(self, base: str, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.base = base
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def copy(self) -> Browser:
        """Another client holding the same cookies now (a copied session), changed separately."""
        jar = http.cookiejar.CookieJar()
        for cookie in self.cookies:
            jar.set_cookie(cookie)
        return Browser(self.base, jar)

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self.request("GET", path)

    def csrf(self, path: str) -> str:
        status, text, _ = self.get(path)
        match = CSRF_PATTERN.search(text)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict, form_page: str | None = None) -> tuple[int, str, dict]:
        token = self.csrf(form_page or path)
        return self.request("POST", path, {**data, "csrf_token": token})


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run ``calls`` in threads released at the same moment; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported to the test as a result
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
