"""The staff area's blueprint and the gate every admin request passes first.

Screens live in their own modules and add their routes to ``bp``; ``app.admin.register_admin``
is the one place that loads them all and mounts the blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.admin.access import check_permission
from app.content.permissions import must_set_up_two_factor

bp = Blueprint("admin", __name__)

# Where someone who must first set up two-factor sign-in may still go.
TWO_FACTOR_SETUP_ENDPOINTS = frozenset({"admin.two_factor_setup"})


@bp.before_request
@login_required
def require_staff():
    check_permission("access_admin")
    if must_set_up_two_factor(current_user) and request.endpoint not in TWO_FACTOR_SETUP_ENDPOINTS:
        flash(
            "This site requires two-factor sign-in for editors and admins. Set it up to continue.",
            "info",
        )
        return redirect(url_for("admin.two_factor_setup"))
    return None
