"""The writing desk's helpers for the post and page forms: live preview, translation lookup."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin.forms import ConfirmForm
from app.admin.routes import bp
from app.auth.sessions import current_actor
from app.content import dashboard
from app.content.languages import rtl_language_subtags
from app.content.permissions import can
from app.content.rendering import render_markdown
from app.extensions import db
from app.models import Category

PREVIEW_MAX_CHARS = 200_000  # the body field's own limit


@bp.app_template_global()
def rtl_languages() -> str:
    """Primary language subtags written right to left, for the editor's direction switch."""
    return " ".join(rtl_language_subtags())


bp.add_app_template_global(dashboard.is_scheduled, "is_scheduled")


@bp.route("/preview", methods=["POST"])
def render_preview():
    """The body rendered exactly as saving would (Markdown, then the sanitiser), as JSON."""
    if not can(current_user, "create_post"):
        return jsonify(error="forbidden"), 403
    source = request.form.get("body", "")
    if len(source) > PREVIEW_MAX_CHARS:
        return jsonify(error="too long"), 413
    return jsonify(html=render_markdown(source))


@bp.route("/posts/bulk", methods=["POST"])
def bulk_posts():
    """Bulk actions on the dashboard: the first POST asks for confirmation, the second acts."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    if action not in dashboard.BULK_ACTIONS:
        flash("Choose what to do with the selected posts.", "error")
        return redirect(url_for("admin.posts"))
    post_ids = [int(value) for value in request.form.getlist("post_ids") if value.isdigit()]
    if not post_ids:
        flash("Select at least one post first.", "error")
        return redirect(url_for("admin.posts"))
    category = None
    if action == "set_category":
        category_id = request.form.get("category_id", "")
        category = db.session.get(Category, int(category_id)) if category_id.isdigit() else None
        if category is None:
            flash("Choose the category to file the selected posts under.", "error")
            return redirect(url_for("admin.posts"))
    label = dashboard.BULK_ACTIONS[action][0]
    if request.form.get("confirmed") != "yes":
        targets = dashboard.bulk_targets(current_user, action, post_ids)
        return render_template(
            "admin/confirm_bulk.html",
            form=form,
            action=action,
            label=label,
            category=category,
            targets=targets,
        )
    outcome = dashboard.apply_bulk(current_user, current_actor(), action, post_ids, category)
    db.session.commit()
    if outcome.done:
        flash(f"{label}: done for {len(outcome.done)} post(s).", "success")
    if outcome.refused:
        flash(
            f"{len(outcome.refused)} post(s) were left alone: your role may not change them.",
            "error",
        )
    return redirect(url_for("admin.posts"))
