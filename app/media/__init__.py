"""The media library: uploads, renditions, storage and where items are used.

Domain API (no request code): :mod:`app.media.library`. Storage: :mod:`app.media.storage`.
Image checks and re-encoding: :mod:`app.media.processing`.
"""

from __future__ import annotations

from flask import Flask


def init_media(app: Flask) -> None:
    """Storage, upload limits and the save-time hook that tracks where items are used."""
    from PIL import Image

    from app.config import upload_limit_bytes
    from app.media import usage  # noqa: F401  (registers the before_flush hook)
    from app.media.storage import init_storage

    app.config["MAX_CONTENT_LENGTH"] = upload_limit_bytes(app.config["MEDIA_MAX_UPLOAD_MB"])
    # Pillow's own decompression-bomb guard follows our limit (we also check before decoding).
    Image.MAX_IMAGE_PIXELS = app.config["MEDIA_MAX_PIXELS"]
    init_storage(app)
