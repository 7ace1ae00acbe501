"""Full-text search for staff: the visitors' search over every status (app.content.search)."""

from __future__ import annotations

from flask import abort, render_template, request

from app.admin.blueprint import bp
from app.content import search as search_index
from app.content.dashboard import status_label
from app.inputs import parse_int
from app.public.discover import filters_from_args


@bp.route("/search")
def search():
    query = request.args.get("q", "")
    page = parse_int(request.args.get("page", "1"), minimum=1, maximum=search_index.MAX_PAGE)
    if page is None:
        abort(404)
    filters, kept = filters_from_args(request.args)
    results = search_index.search(query, filters=filters, page=page, staff=True)
    return render_template(
        "admin/search.html",
        results=results,
        query=" ".join(query.split())[: search_index.MAX_QUERY_CHARS],
        filter_args=kept,
        status_label=status_label,
    )
