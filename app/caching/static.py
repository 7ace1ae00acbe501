"""Static files under content-hashed names, cached by browsers and proxies for a year.

``url_for('static', filename='site.css')`` gives ``/static/site.3f2a9c1be0.css``: the name holds
the first ten hex digits of the file's SHA-256, so a changed file gets a new address and the old
one may be cached forever (``Cache-Control: public, max-age=31536000, immutable``). Templates
keep writing plain ``url_for('static', ...)``; nothing else changes.

A request for the plain name, or for a hash from an older deploy, still gets the current file,
with a short cache lifetime.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, current_app, send_from_directory

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600
SHORT = 300
_digests: dict[tuple[str, int, int], str] = {}


def file_digest(folder: str, filename: str) -> str | None:
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    digest = _digests.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        _digests[key] = digest
    return digest


def hashed_name(folder: str, filename: str) -> str:
    digest = file_digest(folder, filename)
    if digest is None or "." not in Path(filename).name:
        return filename
    stem, suffix = filename.rsplit(".", 1)
    return f"{stem}.{digest}.{suffix}"


def _serve_static(filename: str):
    folder = current_app.static_folder
    max_age = SHORT
    match = HASHED.match(filename)
    if match:
        plain = f"{match['stem']}{match['suffix']}"
        if file_digest(folder, plain) == match["digest"]:
            filename, max_age = plain, YEAR
        elif file_digest(folder, plain) is not None:
            filename = plain  # an older deploy's address: the current file, briefly cached
    response = send_from_directory(folder, filename, max_age=max_age)
    response.cache_control.public = True
    if max_age == YEAR:
        response.cache_control.immutable = True
    return response


def init_static_files(app: Flask) -> None:
    if not app.static_folder:
        return

    @app.url_defaults
    def _hash_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(app.static_folder, values["filename"])

    app.view_functions["static"] = _serve_static
