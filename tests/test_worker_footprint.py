"""What a worker that only serves pages keeps out of its memory (issue 10: RSS under 100 MB).

Pillow and its codecs (~5 MB), Markdown and the sanitiser, Alembic and Mako are needed to save,
upload, import or migrate, never to show a page. A fresh process, as a gunicorn worker is,
serves the demo site's pages (pictures included) and must not have loaded them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import sys
from app import create_app
from app.extensions import db
from app.demo import load_demo_content
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
                  "SECRET_KEY": "x" * 40, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
with app.app_context():
    db.create_all()
    load_demo_content()
"""

WORKER = """
import json, sys
from app import create_app
from app.extensions import db
from app.models import Post
from app.templating import post_url
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
                  "SECRET_KEY": "x" * 40, "PAGE_CACHE": False, "REQUEST_LOG": False})
with app.test_request_context():
    posts = [post_url(p) for p in db.session.scalars(db.select(Post).limit(5))]
client = app.test_client()
statuses = {}
for path in ["/", "/feed/", "/search?q=letter", "/sitemap.xml", "/robots.txt", *posts]:
    statuses[path] = client.get(path).status_code
roots = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"statuses": statuses, "modules": roots}))
"""

KEPT_OUT = {"PIL", "markdown", "bleach", "alembic", "mako", "flask_migrate"}


def _run(script: str, *args: str) -> str:
    environment = {**os.environ, "MIGRATIONS_CLI": "0", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_worker_serving_pages_never_loads_pillow_markdown_or_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    _run(SETUP, url, str(tmp_path))
    report = json.loads(_run(WORKER, url, str(tmp_path)).strip().splitlines()[-1])
    assert set(report["statuses"].values()) == {200}, report["statuses"]
    assert len(report["statuses"]) >= 8  # the demo's posts were served too
    assert KEPT_OUT.isdisjoint(report["modules"]), KEPT_OUT & set(report["modules"])


FROZEN = """
import gc, json, runpy, sys
from app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
                  "SECRET_KEY": "x" * 40, "PAGE_CACHE": False, "REQUEST_LOG": False})
settings = runpy.run_path("gunicorn.conf.py")
settings["post_worker_init"](None)
frozen = gc.get_freeze_count()
statuses = [app.test_client().get(path).status_code for path in ("/", "/feed/", "/robots.txt")]
print(json.dumps({"frozen": frozen, "tracked": len(gc.get_objects()), "statuses": statuses}))
"""


def test_a_worker_leaves_its_startup_objects_out_of_garbage_collection(tmp_path):
    """The app a worker builds lives as long as the worker: gunicorn.conf.py's
    ``post_worker_init`` freezes it, so the collector's full passes (every few thousand
    requests) walk the few objects made since, not the ~100,000 of the app: a pause of a few
    milliseconds instead of ~70 ms, which every request queued behind it would wait."""
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    _run(SETUP, url, str(tmp_path))
    report = json.loads(_run(FROZEN, url, str(tmp_path)).strip().splitlines()[-1])
    assert report["statuses"] == [200, 200, 200]
    assert report["frozen"] > 50_000
    assert report["tracked"] < report["frozen"] / 2  # what pages made since is the small part
