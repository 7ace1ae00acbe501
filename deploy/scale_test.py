"""Scale-out check on loopback: two gunicorn app servers, one PostgreSQL, one Redis, nginx in front.

``make scale-test`` runs it. It needs ``SCALE_DATABASE_URL`` (a PostgreSQL database it may
empty; e.g. postgresql+psycopg://postgres@127.0.0.1/scale) and ``SCALE_REDIS_URL``
(e.g. redis://127.0.0.1:6379/5). nginx is Debian's ``nginx-light`` (installed with apt-get when
missing and running as root). Everything binds to 127.0.0.1 on free ports and stops at the end.

It proves, with a plain HTTP client:
1. a login made through server A is valid on server B (shared secret key and database);
2. the login rate limit counts attempts made to A and to B together (Redis);
3. a post published through A is on B's home page at once, although B had it cached (the
   page cache lives in Redis and is keyed on the generation bumped in the publishing
   transaction);
4. an image uploaded through A, and its resized rendition, are served by B (one media folder,
   ``MEDIA_ROOT``, shared by both; S3 storage works the same way);
5. nginx balances over both and serves the content-hashed static files itself.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "scale test password 123"  # noqa: S105 (a throwaway account on a test database)
LOGIN_LIMIT = 6
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx is missing: apt-get install nginx-light", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=False)  # noqa: S607
        found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not found:
        sys.exit("scale-test: nginx is not installed; run `apt-get install nginx-light`.")
    return str(found)


class Client:
    """A browser-like HTTP client: cookies, no redirects followed, CSRF tokens from forms."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, url: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def request_bytes(self, url: str) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(url, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def upload(self, url: str, fields: dict, filename: str, content: bytes) -> tuple[int, str]:
        """A multipart/form-data POST of one file, answered as JSON (the upload screen's)."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(  # noqa: S310
            url,
            data=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Accept": "application/json",
            },
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, url: str) -> str:
        status, _, html = self.request(url)
        match = CSRF.search(html)
        if not match:
            raise AssertionError(f"no CSRF token on {url} ({status})")
        return match.group(1)

    def login(self, base: str, email: str, password: str) -> int:
        token = self.token(base + "/login")
        status, _, _ = self.request(
            base + "/login", {"email": email, "password": password, "csrf_token": token}
        )
        return status


def check(condition: bool, message: str) -> None:
    print(("PASS " if condition else "FAIL ") + message, flush=True)
    if not condition:
        raise SystemExit(1)


def main() -> None:
    database = os.environ.get("SCALE_DATABASE_URL")
    redis = os.environ.get("SCALE_REDIS_URL")
    if not database or not redis:
        sys.exit(
            "scale-test needs SCALE_DATABASE_URL (PostgreSQL, will be emptied) and "
            "SCALE_REDIS_URL, e.g.\n  SCALE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1"
            "/scale SCALE_REDIS_URL=redis://127.0.0.1:6379/5 make scale-test"
        )
    nginx = ensure_nginx()
    runtime = Path(tempfile.mkdtemp(prefix="broadside-scale-"))
    runtime.chmod(0o755)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "SECRET_KEY": "scale-test-" + "x" * 40,
        "TRUSTED_PROXIES": "0",
        "MEDIA_ROOT": str(runtime / "media"),
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        # Fresh counters and cache keys for this run, whatever else uses the Redis database.
        "CACHE_KEY_PREFIX": f"scale-{os.getpid()}-{time.time():.0f}:",
        "RATELIMIT_KEY_PREFIX": f"scale-{os.getpid()}-{time.time():.0f}",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    print("preparing the database", flush=True)
    subprocess.run(  # noqa: S603
        [
            str(BIN / "python"),
            "-c",
            "from app import create_app; from app.extensions import db; from sqlalchemy import text\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    db.drop_all()\n"
            "    db.session.execute(text('DROP TABLE IF EXISTS alembic_version'))\n"
            "    db.session.commit()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            *flask,
            "create-user",
            "--email",
            "admin@scale.invalid",
            "--name",
            "Scale Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        cwd=ROOT,
        env=env,
        input=f"{PASSWORD}\n",
        text=True,
        check=True,
    )

    processes: list[subprocess.Popen] = []
    try:
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [
                        str(BIN / "gunicorn"),
                        "-c",
                        str(ROOT / "gunicorn.conf.py"),
                        "-w",
                        "2",
                        "-b",
                        f"127.0.0.1:{port}",
                        "--access-logfile",
                        str(runtime / f"access-{port}.log"),
                        "wsgi:app",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
        server_a, server_b = (f"http://127.0.0.1:{port}" for port in ports)
        front_port = free_port()
        config = (ROOT / "deploy" / "nginx.conf").read_text()
        config = (
            config.replace("@LISTEN@", f"127.0.0.1:{front_port}")
            .replace("@UPSTREAMS@", " ".join(f"server 127.0.0.1:{p};" for p in ports))
            .replace("@STATIC_ROOT@", str(ROOT / "app" / "static"))
            .replace("@RUNTIME@", str(runtime))
        )
        config = "user root;\n" + config if os.geteuid() == 0 else config
        (runtime / "nginx.conf").write_text(config)
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    nginx,
                    "-e",
                    str(runtime / "error.log"),
                    "-c",
                    str(runtime / "nginx.conf"),
                    "-g",
                    "daemon off;",
                ]
            )
        )
        front = f"http://127.0.0.1:{front_port}"
        for base in (server_a, server_b, front):
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{base} did not start") from None
                    time.sleep(0.3)
        print(f"servers: A {server_a}, B {server_b}, nginx {front}", flush=True)

        # 1. A session made on A is valid on B.
        staff = Client()
        check(staff.login(server_a, "admin@scale.invalid", PASSWORD) == 302, "login through A")
        status, headers, html = staff.request(server_b + "/admin/")
        check(
            status == 200 and "Log out" in html,
            f"the session made on A is valid on B ({status} {headers.get('Location', '')})",
        )

        # 3. B caches its home page; a post published through A shows on B at once.
        visitor = Client()
        visitor.request(server_b + "/")
        _, headers, _ = visitor.request(server_b + "/")
        check(headers.get("X-Page-Cache") == "hit", "B serves its home page from the shared cache")
        token = staff.token(server_a + "/admin/posts/new")
        title = f"Published through A at {time.time():.0f}"
        status, _, _ = staff.request(
            server_a + "/admin/posts/new",
            {
                "csrf_token": token,
                "title": title,
                "body": "Body text.",
                "status": "published",
                "language": "en",
            },
        )
        check(status == 302, "publish a post through A")
        _, _, html = visitor.request(server_b + "/")
        check(title in html, "the new post is on B's home page at once")

        # 2. Login attempts to A and to B count against one limit.
        attacker = Client()
        statuses = [
            attacker.login(base, "admin@scale.invalid", "wrong password")
            for base in [server_a, server_b] * LOGIN_LIMIT
        ]
        allowed = [s for s in statuses if s != 429]
        check(
            len(allowed) < LOGIN_LIMIT and 429 in statuses[0::2] and 429 in statuses[1::2],
            f"login limit of {LOGIN_LIMIT}/min counts attempts on A and B together {statuses}",
        )

        # 4. Media uploaded through A are served by B (one MEDIA_ROOT, or S3, for both).
        picture = io.BytesIO()
        Image.new("RGB", (800, 600), (200, 60, 40)).save(picture, "PNG")
        token = staff.token(server_a + "/admin/media")
        status, body = staff.upload(
            server_a + "/admin/media/upload",
            {"csrf_token": token, "alt": "A red rectangle"},
            "scale-test.png",
            picture.getvalue(),
        )
        check(status == 201, f"upload an image through A ({status})")
        item = json.loads(body)["items"][0]
        for label, address in (("original", item["url"]), ("rendition", item["thumb"])):
            status, headers, _ = Client().request_bytes(server_b + address)
            check(
                status == 200 and headers.get("Content-Type", "").startswith("image/"),
                f"B serves the {label} uploaded through A ({address}: {status})",
            )

        # 5. nginx balances and serves static files.
        for _ in range(10):
            Client().request(front + "/healthz")
        time.sleep(1)  # access logs are written after the response
        answered = [
            (runtime / f"access-{port}.log").read_text().count("GET /healthz") for port in ports
        ]
        check(min(answered) >= 3, f"nginx spreads requests over A and B {answered}")
        seen = set()
        for _ in range(6):
            _, headers, html = Client().request(front + "/")
            seen.add(title in html)
        check(seen == {True}, "nginx serves the home page (both app servers agree)")
        css = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
        _, headers, _ = Client().request(front + css)
        check("immutable" in headers.get("Cache-Control", ""), f"nginx serves {css} for a year")
        status, _, html = staff.request(front + "/admin/")
        check(status == 200, "the staff session works through nginx")
        print("scale-test: all checks passed")
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    main()
