"""Search results for visitors (request side of app.content.search)."""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from app.content import archives
from app.content import search as search_index
from app.content.dates import MAX_YEAR, MIN_YEAR
from app.content.languages import is_valid_language
from app.content.taxonomy import category_outline, descendant_ids
from app.extensions import db
from app.inputs import parse_int
from app.models import User
from app.public.routes import bp


def tolerates_control_characters(view):
    """Let a view see query strings with control characters (it strips them itself)."""
    view._broadside_strips_control_characters = True
    return view


def filters_from_args(args) -> tuple[search_index.SearchFilters, dict]:
    """Filters from ``lang``, ``category``, ``author``, ``year``; unknown values are ignored."""
    filters = search_index.SearchFilters()
    kept: dict[str, str] = {}
    lang = args.get("lang", "").strip()[:35]
    if lang and is_valid_language(lang):
        filters.language, kept["lang"] = lang, lang
    category_slug = args.get("category", "").strip()[:200]
    if category_slug:
        categories = category_outline()
        category = next((c for c in categories if c.slug == category_slug), None)
        if category is not None:
            filters.category_ids = sorted({category.id} | descendant_ids(category.id, categories))
            kept["category"] = category_slug
    author_slug = args.get("author", "").strip()[:200]
    if author_slug:
        author = db.session.scalar(select(User).where(User.slug == author_slug))
        if author is not None:
            filters.author_id, kept["author"] = author.id, author_slug
    year = parse_int(args.get("year", ""), minimum=MIN_YEAR, maximum=MAX_YEAR)
    if year is not None:
        filters.year_range = archives.period_bounds(year, None)
        kept["year"] = str(year)
    return filters, kept


@bp.route("/search")
@tolerates_control_characters
def search():
    query = request.args.get("q", "")
    page = parse_int(request.args.get("page", "1"), minimum=1, maximum=search_index.MAX_PAGE)
    if page is None:
        abort(404)
    filters, kept = filters_from_args(request.args)
    results = search_index.search(query, filters=filters, page=page)
    shown_query = " ".join(search_index.strip_control_characters(query).split())[
        : search_index.MAX_QUERY_CHARS
    ]
    return render_template(
        "public/search.html", results=results, query=shown_query, filter_args=kept
    )
