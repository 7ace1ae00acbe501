"""The writing desk's helpers for the post and page forms: live preview, translation lookup."""

from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.admin import desk_support as desk
from app.admin.access import check_permission, permission_required
from app.admin.blueprint import bp
from app.admin.forms import ConfirmForm
from app.auth.sessions import current_actor
from app.content import dashboard, revisions
from app.content.languages import rtl_language_subtags
from app.content.permissions import can
from app.content.rendering import render_markdown
from app.extensions import db
from app.models import Category, Page, Post

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


# ---- revisions ---------------------------------------------------------------------------------


def _item_or_abort(kind: str, item_id: int) -> Post | Page:
    if kind == "posts":
        post = db.get_or_404(Post, item_id)
        check_permission("edit_post", post)
        return post
    check_permission("manage_pages")
    return db.get_or_404(Page, item_id)


def _edit_url(kind: str, item: Post | Page) -> str:
    if kind == "posts":
        return url_for("admin.edit_post", post_id=item.id)
    return url_for("admin.edit_page", page_id=item.id)


@bp.route("/<any(posts, pages):kind>/<int:item_id>/revisions")
def item_revisions(kind: str, item_id: int):
    item = _item_or_abort(kind, item_id)
    return render_template(
        "admin/revisions.html",
        kind=kind,
        item=item,
        revisions=revisions.revisions_of(item),
        edit_url=_edit_url(kind, item),
        form=ConfirmForm(),
    )


@bp.route("/<any(posts, pages):kind>/<int:item_id>/revisions/compare")
def compare_revisions(kind: str, item_id: int):
    item = _item_or_abort(kind, item_id)
    older = request.args.get("a", "")
    newer = request.args.get("b", "")
    a = revisions.get_revision(item, int(older)) if older.isdigit() else None
    b = revisions.get_revision(item, int(newer)) if newer.isdigit() else None
    if a is None or b is None:
        abort(404)
    if a.id > b.id:
        a, b = b, a
    return render_template(
        "admin/revision_compare.html",
        kind=kind,
        item=item,
        a=a,
        b=b,
        title_diff=a.title != b.title,
        diff=revisions.diff_table(a.body_source, b.body_source, f"#{a.id}", f"#{b.id}"),
        excerpt_diff=a.excerpt != b.excerpt,
        edit_url=_edit_url(kind, item),
        form=ConfirmForm(),
    )


@bp.route(
    "/<any(posts, pages):kind>/<int:item_id>/revisions/<int:revision_id>/restore",
    methods=["POST"],
)
def restore_revision(kind: str, item_id: int, revision_id: int):
    item = _item_or_abort(kind, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    revision = revisions.get_revision(item, revision_id)
    if revision is None:
        abort(404)
    revisions.restore_revision(item, revision, current_user)
    db.session.commit()
    flash(f"Revision #{revision.id} restored; it is now the current text.", "success")
    return redirect(_edit_url(kind, item))


# ---- autosave ----------------------------------------------------------------------------------


@bp.route("/autosave/<any(post, page):kind>/<target>", methods=["POST"])
def autosave(kind: str, target: str):
    """Keep the form's unsaved text server-side for this user; the live post is untouched."""
    item = None
    if target != "new":
        if not target.isdigit():
            abort(404)
        item = _item_or_abort(kind + "s", int(target))
    else:
        check_permission("create_post" if kind == "post" else "manage_pages")
    version = request.form.get("version", "")
    copy = revisions.store_autosave(
        current_user,
        revisions.autosave_key(kind, item.id if item else None),
        request.form.to_dict(),
        int(version) if version.isdigit() else None,
    )
    db.session.commit()
    return jsonify(saved=True, saved_at_local=desk.local_time(copy))


# ---- an ended session while writing ------------------------------------------------------------

WRITING_FORM = re.compile(r"^/admin/(posts|pages)/(new|\d+/edit)$")


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """A writer whose session ended gets the login page, then their form back (editor.js kept
    the text in the browser and offers it there); any other CSRF failure is a plain 400."""
    if (
        request.method == "POST"
        and not current_user.is_authenticated
        and WRITING_FORM.match(request.path)
    ):
        flash(
            "Your session had ended, so nothing was saved. Log in again: your text is kept in "
            "this browser and offered back on the form.",
            "error",
        )
        return redirect(url_for("auth.login", next=request.path))
    return render_template("errors/error.html", error=error, retry_after=None), 400


# ---- "Translation of": search as you type -----------------------------------------------------

LOOKUP_LIMIT = 20


@bp.route("/posts/lookup")
@permission_required("create_post")
def lookup_posts():
    """Posts whose title contains ``q`` (JSON, newest first), for the "Translation of" field."""
    search = request.args.get("q", "").strip()[:200]
    exclude = request.args.get("exclude", "")
    not_language = request.args.get("not_lang", "").strip()[:35]
    query = db.select(Post.id, Post.title, Post.language).order_by(
        Post.created_at.desc(), Post.id.desc()
    )
    if search:
        query = query.where(dashboard.title_contains(search))
    if exclude.isdigit():
        query = query.where(Post.id != int(exclude))
    if not_language:
        query = query.where(Post.language != not_language)
    rows = db.session.execute(query.limit(LOOKUP_LIMIT)).all()
    return jsonify(
        results=[
            {"id": row.id, "title": row.title, "language": row.language,
             "label": f"{row.title} ({row.language})"}
            for row in rows
        ]
    )  # fmt: skip
