"""The writing desk's helpers for the post and page forms: live preview, translation lookup."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from app.admin.routes import bp
from app.content.languages import rtl_language_subtags
from app.content.permissions import can
from app.content.rendering import render_markdown

PREVIEW_MAX_CHARS = 200_000  # the body field's own limit


@bp.app_template_global()
def rtl_languages() -> str:
    """Primary language subtags written right to left, for the editor's direction switch."""
    return " ".join(rtl_language_subtags())


@bp.route("/preview", methods=["POST"])
def render_preview():
    """The body rendered exactly as saving would (Markdown, then the sanitiser), as JSON."""
    if not can(current_user, "create_post"):
        return jsonify(error="forbidden"), 403
    source = request.form.get("body", "")
    if len(source) > PREVIEW_MAX_CHARS:
        return jsonify(error="too long"), 413
    return jsonify(html=render_markdown(source))
