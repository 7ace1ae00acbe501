from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.admin.forms import ConfirmForm, PostForm, SettingsForm
from app.content.dates import from_site_time, to_site_time
from app.content.permissions import can
from app.content.publishing import PostDraft, apply_draft, create_post, slug_is_taken
from app.content.rendering import render_markdown
from app.content.settings import all_settings, get_setting, save_settings
from app.content.taxonomy import category_tree
from app.extensions import db
from app.models import Post, PostStatus

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def require_staff():
    if not can(current_user, "access_admin"):
        abort(403)


def get_post_or_abort(post_id: int, action: str) -> Post:
    """404 for a missing post, 403 when the current user may not ``action`` it."""
    post = db.session.get(Post, post_id, options=[joinedload(Post.author)])
    if post is None:
        abort(404)
    if not can(current_user, action, post):
        abort(403)
    return post


@bp.route("/")
def posts():
    status = request.args.get("status", "")
    query = (
        db.select(Post)
        .options(joinedload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    if status in {s.value for s in PostStatus}:
        query = query.where(Post.status == status)
    else:
        status = ""
    pagination = db.paginate(query, per_page=current_app.config["ADMIN_POSTS_PER_PAGE"])
    return render_template(
        "admin/posts.html",
        pagination=pagination,
        posts=pagination.items,
        status=status,
        statuses=list(PostStatus),
    )


@bp.route("/posts/new", methods=["GET", "POST"])
def new_post():
    form = PostForm()
    return _handle_post_form(form, post=None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id: int):
    post = get_post_or_abort(post_id, "edit_post")
    form = PostForm(obj=post) if request.method == "GET" else PostForm()
    if request.method == "GET":
        form.body.data = post.body_source
        form.excerpt.data = post.custom_excerpt or ""
        if post.published_at is not None:
            local = to_site_time(post.published_at, get_setting("site_timezone"))
            form.published_at.data = local.replace(tzinfo=None)
    return _handle_post_form(form, post=post)


def _handle_post_form(form: PostForm, post: Post | None):
    preview_html = None
    if form.is_submitted() and form.preview.data:
        # Previewing saves nothing, so it works even before the form is complete.
        preview_html = render_markdown(form.body.data or "")
    elif form.validate_on_submit():
        if form.slug.data and slug_is_taken(form.slug.data, post.id if post else None):
            form.slug.errors.append("Another post already uses this slug.")
        else:
            draft = _draft_from_form(form)
            if post is None:
                saved = create_post(current_user, draft)
                message = "Post created."
            else:
                saved = apply_draft(post, draft)
                message = "Post saved."
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.slug.errors.append("Another post already uses this slug.")
            else:
                flash(message, "success")
                return redirect(url_for("admin.edit_post", post_id=saved.id))
    elif form.errors:
        flash("The post was not saved. Please correct the marked fields.", "error")
    return render_template(
        "admin/post_form.html",
        form=form,
        post=post,
        preview_html=preview_html,
        published_at=post.published_at if post else None,
    )


def _draft_from_form(form: PostForm) -> PostDraft:
    published_at = None
    if form.published_at.data is not None:
        published_at = from_site_time(form.published_at.data, get_setting("site_timezone"))
    return PostDraft(
        title=form.title.data,
        slug=form.slug.data or "",
        body_source=form.body.data or "",
        custom_excerpt=form.excerpt.data or "",
        status=form.status.data,
        published_at=published_at,
    )


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id: int):
    post = get_post_or_abort(post_id, "delete_post")
    form = ConfirmForm()
    if form.validate_on_submit():
        db.session.delete(post)
        db.session.commit()
        flash(f"“{post.title}” was deleted.", "success")
        return redirect(url_for("admin.posts"))
    return render_template("admin/confirm_delete.html", post=post, form=form)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    if not can(current_user, "manage_settings"):
        abort(403)
    form = SettingsForm(data=all_settings()) if request.method == "GET" else SettingsForm()
    form.set_category_choices(category_tree(), add_slots=request.method == "GET")
    if form.validate_on_submit():
        changes = {
            name: field.data for name, field in form._fields.items() if name in all_settings()
        }
        changes["featured_categories"] = form.featured_category_ids()
        save_settings(changes)
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("admin.settings"))
    if form.errors:
        flash("The settings were not saved. Please correct the marked fields.", "error")
    return render_template("admin/settings.html", form=form)
