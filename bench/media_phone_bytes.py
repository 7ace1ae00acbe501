"""How many image bytes a phone downloads thanks to the renditions, on the demo site.

Loads the demo content into a temporary SQLite site, serves it on a free loopback port, opens
pages in headless Chromium at a phone's size (390×844 CSS pixels, device pixel ratio 1, 2 and 3),
scrolls down a screen at a time so lazy images load, and adds up the bytes of every ``/media/`` file the
browser fetched. It compares that with what the same images would weigh as the stored
originals (already re-encoded and stripped of metadata, i.e. what a site without renditions
would send).

Usage: ``.venv/bin/python bench/media_phone_bytes.py`` (needs the dev extra and
/usr/bin/chromium).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import MediaItem, Post
from app.templating import post_url

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "INSTANCE_PATH": Path(folder),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "bench-secret-key-long-enough-0123456789abcdef",
            }
        )
        with app.app_context():
            db.create_all()
            from app.demo import load_demo_content

            load_demo_content()
            originals: dict[str, int] = {}
            for item in db.session.scalars(db.select(MediaItem)):
                originals[item.storage_key] = item.file_size
                for rendition in item.renditions:
                    originals[rendition["key"]] = item.file_size
            with app.test_request_context():
                featured = db.session.scalar(
                    db.select(Post).where(Post.title == "Annual report 2019: a year of listening")
                )
                pages = {"home": "/", "post with photos": post_url(featured)}
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        print(
            f"{'page':<20} {'DPR':>3} {'images':>6} {'downloaded':>12} {'as originals':>13} {'saved':>8}"
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for name, path in pages.items():
                for dpr in (1, 2, 3):
                    context = browser.new_context(
                        viewport={"width": 390, "height": 844}, device_scale_factor=dpr
                    )
                    page = context.new_page()
                    page.goto(base + path)
                    # Scroll down a screen at a time, as a reader does, so lazy images load.
                    height = page.evaluate("document.body.scrollHeight")
                    for y in range(0, height + 844, 600):
                        page.evaluate(f"window.scrollTo(0, {y})")
                        page.wait_for_timeout(60)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)
                    entries = page.evaluate(
                        "performance.getEntriesByType('resource')"
                        ".filter(e => e.name.includes('/media/'))"
                        ".map(e => [e.name, e.encodedBodySize])"
                    )
                    got = sum(size for _, size in entries)
                    full = sum(originals[url.split("/media/", 1)[1]] for url, _ in entries)
                    saved = 1 - got / full if full else 0
                    print(
                        f"{name:<20} {dpr:>3} {len(entries):>6} {got / 1024:>10.0f} KB "
                        f"{full / 1024:>10.0f} KB {saved:>7.0%}"
                    )
                    context.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
