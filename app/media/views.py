"""``/media/<key>``: stored files with headers that let browsers cache them forever and never
guess their type. Behind nginx the folder can be served directly (see README)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from app.media.storage import StorageError, get_storage

bp = Blueprint("media", __name__)

MIME_OF_EXTENSION = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "pdf": "application/pdf",
}
CACHE_FOREVER = "public, max-age=31536000, immutable"


@bp.route("/media/<path:key>")
def serve(key: str):
    extension = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    mime = MIME_OF_EXTENSION.get(extension)
    if mime is None:
        abort(404)
    storage = get_storage()
    try:
        path = storage.local_path(key)
        if path is not None:
            if not path.is_file():
                abort(404)
            response = send_file(path, mimetype=mime, conditional=True, etag=True)
        else:
            response = Response(storage.read(key), mimetype=mime)
    except (FileNotFoundError, StorageError):
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = CACHE_FOREVER
    if not mime.startswith("image/"):
        response.headers["Content-Disposition"] = "attachment"
    return response
