"""The audit log, read-only, for admins."""

from __future__ import annotations

from flask import current_app, render_template, request

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.content.audit import ACTIONS, events_query
from app.content.settings import get_setting
from app.extensions import db
from app.inputs import parse_int
from app.models import User


@bp.route("/audit")
@permission_required("view_audit")
def audit_log():
    action = request.args.get("action", "")
    if action not in ACTIONS:
        action = ""
    actor = request.args.get("actor", "")
    actor_id = parse_int(actor, minimum=1)
    pagination = db.paginate(
        events_query(action=action, actor_id=actor_id),
        per_page=current_app.config["AUDIT_EVENTS_PER_PAGE"],
        error_out=False,
    )
    people = db.session.scalars(db.select(User).order_by(User.display_name)).all()
    filters = {key: value for key, value in (("action", action), ("actor", actor_id)) if value}
    return render_template(
        "admin/audit.html",
        pagination=pagination,
        events=pagination.items,
        actions=ACTIONS,
        people=people,
        site_timezone=get_setting("site_timezone"),
        action=action,
        actor_id=actor_id,
        filters=filters,
    )
