from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.caching.http import not_public_cacheable
from app.content import archives, frontpage, listing
from app.content.cards import PostView
from app.content.dates import to_site_time
from app.content.languages import is_valid_language
from app.content.pages import child_pages, find_page_by_path
from app.content.permissions import can
from app.content.protection import is_locked, unlock
from app.content.publishing import translations_of
from app.content.settings import get_setting
from app.content.surroundings import (
    Surroundings,
    post_and_surroundings,
    post_page_sql,
    surroundings,
)
from app.content.taxonomy import category_outline
from app.content.visibility import (
    archive_is_public,
    page_is_public,
    post_is_public,
    public_posts_query,
)
from app.extensions import db, limiter
from app.inputs import parse_int
from app.models import Post
from app.public import metadata
from app.templating import post_url

bp = Blueprint("public", __name__)

# The archive page of each kind that /<kind>/<slug>/ pager and feed addresses belong to.
ARCHIVE_ENDPOINTS = {"category": "public.category_archive", "tag": "public.tag_archive",
                     "author": "public.author_archive"}  # fmt: skip


@bp.context_processor
def _site_metadata() -> dict:
    return {"site_metadata": metadata.site_metadata}


# No site has a million pages of posts; beyond that (and for ``²``) the page does not exist.
MAX_PAGE_NUMBER = 1_000_000


def _page_number() -> int:
    page = parse_int(request.args.get("page", "1"), minimum=1, maximum=MAX_PAGE_NUMBER)
    if page is None:
        abort(404)
    return page


def _language_filter() -> str | None:
    lang = request.args.get("lang", "").strip()
    return lang if lang and is_valid_language(lang) else None


def _paginate(query) -> listing.Window:
    page = _page_number()
    pagination = listing.paginate(query, page, get_setting("posts_per_page"), cards=True)
    if page > 1 and not pagination.items:
        abort(404)
    return pagination


@bp.route("/")
def home():
    lang = _language_filter()
    if _page_number() > 1:
        recent = public_posts_query(unpinned=True)
        recent = _paginate(listing.in_language(recent, lang) if lang else recent)
        return render_template("public/home.html", pagination=recent, posts=recent.items, lang=lang)
    first = frontpage.first_page(
        get_setting("posts_per_page"),
        get_setting("featured_categories"),
        category_outline(),
        language=lang,
    )
    return render_template(
        "public/home.html",
        pagination=first.recent,
        posts=first.recent.items,
        lang=lang,
        headlines=first.headlines,
        pinned=first.pinned,
        featured=first.featured,
    )


def _archive(
    query, *, heading: str, kind: str, description: str = "", listed: bool = False, **extra
):
    """One archive page. ``listed`` archives (author, category, tag) exist only while they have a
    public post: an empty first page is a 404, so staff without posts are not exposed."""
    lang = _language_filter()
    if lang:
        query = listing.in_language(query, lang)
    pagination = _paginate(query)
    if listed and not lang and pagination.page == 1 and not archive_is_public(pagination.items):
        abort(404)
    return render_template(
        "public/archive.html",
        pagination=pagination,
        posts=pagination.items,
        heading=heading,
        kind=kind,
        description=description,
        lang=lang,
        **extra,
    )


@bp.route("/category/<slug>/")
def category_archive(slug: str):
    return _listed_archive(archives.archive_posts("category", slug), kind="Category")


@bp.route("/tag/<slug>/")
def tag_archive(slug: str):
    return _listed_archive(archives.archive_posts("tag", slug), kind="Tag")


@bp.route("/author/<slug>/")
def author_archive(slug: str):
    return _listed_archive(archives.archive_posts("author", slug), kind="Author")


def _listed_archive(found, *, kind: str):
    """A category, tag or author archive: 404 when there is no such term or author."""
    if found is None:
        abort(404)
    subject, query = found
    if kind == "Author":
        heading, description, extra = subject.display_name, subject.bio, {"author": subject}
    else:
        heading, description, extra = subject.name, subject.description, {"term": subject}
    return _archive(
        query, heading=heading, kind=kind, description=description, listed=True, **extra
    )


@bp.route("/<int:year>/")
def year_archive(year: int):
    query = archives.period_posts(year)
    if query is None:
        abort(404)
    return _archive(query, heading=str(year), kind="Year")


@bp.route("/<int:year>/<int:month>/")
def month_archive(year: int, month: int):
    query = archives.period_posts(year, month)
    if query is None:
        abort(404)
    return _archive(query, heading=f"{datetime(year, month, 1):%B} {year}", kind="Month")


@bp.route("/<int:year>/<month>/<day>/<slug>/")
def post_detail(year: int, month: str, day: str, slug: str):
    post, around = post_and_surroundings(post_page_sql(), slug)
    if post is None:
        abort(404)
    is_public = post_is_public(post)
    if not is_public and not can(current_user, "preview_post", post):
        abort(404)
    local = to_site_time(post.published_at or post.created_at, get_setting("site_timezone"))
    if (year, month, day) != (local.year, f"{local.month:02d}", f"{local.day:02d}"):
        return redirect(post_url(post), code=301)
    return _render_post(post, is_public, around=around)


def _render_post(
    post: Post | PostView,
    is_public: bool,
    password_error: str = "",
    status: int = 200,
    around: Surroundings | None = None,
):
    if around is None:
        around = surroundings(post, neighbours=is_public)
    elif not is_public:  # a preview: no neighbours
        around = Surroundings(around.categories, around.tags)
    locked = is_locked(post, session, current_app.config["SECRET_KEY"])
    response = make_response(
        render_template(
            "public/post.html",
            post=post,
            categories=around.categories,
            tags=around.tags,
            is_preview=not is_public,
            locked=locked,
            password_error=password_error,
            translations=translations_of(post),
            previous_post=around.previous,
            next_post=around.next,
            meta=metadata.post_metadata(post, around.categories, around.tags),
        ),
        status,
    )
    if post.password:
        # Locked for one visitor, open for another: never a shared or revalidated copy.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _password_limit() -> str:
    return current_app.config["POST_PASSWORD_RATE_LIMIT"]


@bp.route("/protected/<int:post_id>", methods=["POST"])
@limiter.limit(_password_limit)
def unlock_post(post_id: int):
    """The password form of a protected post; the password is kept in the session, per post."""
    post = db.session.get(Post, post_id)
    if post is None or not post.password:
        abort(404)
    is_public = post_is_public(post)
    if not is_public and not can(current_user, "preview_post", post):
        abort(404)
    if unlock(
        post, request.form.get("post_password", ""), session, current_app.config["SECRET_KEY"]
    ):
        return redirect(post_url(post), code=303)
    return _render_post(post, is_public, "That password is not right.", 403)


@bp.route("/<path:page_path>/")
def page_detail(page_path: str):
    page = find_page_by_path(page_path)
    if page is None:
        abort(404)
    is_public = page_is_public(page)
    if not is_public and not can(current_user, "preview_page"):
        abort(404)
    return render_template(
        "public/page.html",
        page=page,
        is_preview=not is_public,
        children=child_pages(page),
        meta=metadata.page_metadata(page, [page.parent] if page.parent else []),
    )


@bp.route("/healthz")
@not_public_cacheable
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
