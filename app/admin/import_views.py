"""Staff screen listing past imports and their reports (imports themselves run from the CLI)."""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.extensions import db
from app.models import ImportRun


@bp.route("/imports")
@permission_required("view_imports")
def imports():
    query = select(ImportRun).order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
    pagination = db.paginate(
        query, per_page=current_app.config["ADMIN_POSTS_PER_PAGE"], error_out=False
    )
    return render_template("admin/imports.html", pagination=pagination, runs=pagination.items)


@bp.route("/imports/<int:run_id>")
@permission_required("view_imports")
def import_detail(run_id: int):
    run = db.get_or_404(ImportRun, run_id)
    return render_template("admin/import_detail.html", run=run, report=run.report or {})
