"""The media library: uploads, renditions, storage and where items are used.

Domain API (no request code): :mod:`app.media.library`. Storage: :mod:`app.media.storage`.
Image checks and re-encoding: :mod:`app.media.processing`.
"""

from __future__ import annotations

from flask import Flask


def init_media(app: Flask) -> None:
    """Storage, upload limits and template helpers (the save-time hook: ``register_model_hooks``)."""
    from app.config import upload_limit_bytes
    from app.media.storage import init_storage

    app.config["MAX_CONTENT_LENGTH"] = upload_limit_bytes(app.config["MEDIA_MAX_UPLOAD_MB"])
    init_storage(app)
    _register_template_helpers(app)
    _register_upload_too_large(app)


def _register_template_helpers(app: Flask) -> None:
    from app.media.library import image_sources, social_image
    from app.media.markup import picture

    app.jinja_env.globals.update(
        media_picture=picture, media_sources=image_sources, media_social_image=social_image
    )


def _register_upload_too_large(app: Flask) -> None:
    """Uploads over MAX_CONTENT_LENGTH are refused before their body is read: say why."""
    from flask import jsonify, render_template, request
    from werkzeug.exceptions import RequestEntityTooLarge

    def too_large(error: RequestEntityTooLarge):
        message = (
            f"The upload is larger than the {app.config['MEDIA_MAX_UPLOAD_MB']} MB limit. "
            "Nothing was saved."
        )
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=message), 413
        error.description = message
        return render_template("errors/error.html", error=error), 413

    app.register_error_handler(RequestEntityTooLarge, too_large)
