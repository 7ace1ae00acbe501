from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app.content.dates import to_site_time
from app.content.permissions import can
from app.content.publishing import visible_posts_query
from app.content.settings import get_setting
from app.extensions import db
from app.models import Post, utcnow
from app.templating import post_url

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    page = _page_number()
    pagination = db.paginate(
        visible_posts_query(),
        page=page,
        per_page=get_setting("posts_per_page"),
        error_out=False,
        count=True,
    )
    if page > 1 and not pagination.items:
        abort(404)
    return render_template("public/home.html", pagination=pagination, posts=pagination.items)


@bp.route("/<int:year>/<month>/<day>/<slug>/")
def post_detail(year: int, month: str, day: str, slug: str):
    post = db.session.scalar(
        db.select(Post).where(Post.slug == slug).options(joinedload(Post.author))
    )
    if post is None:
        abort(404)
    is_public = post.is_visible_at(utcnow())
    if not is_public and not can(current_user, "view_drafts"):
        abort(404)
    canonical = post_url(post)
    local = to_site_time(post.published_at or post.created_at, get_setting("site_timezone"))
    if (year, month, day) != (local.year, f"{local.month:02d}", f"{local.day:02d}"):
        return redirect(canonical, code=301)
    return render_template("public/post.html", post=post, is_preview=not is_public)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _page_number() -> int:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    return int(page)
