"""The staff area: writing and managing posts, and organising the site's content."""

from __future__ import annotations

from flask import Flask


def register_admin(app: Flask) -> None:
    """Load every admin screen and mount the staff area at ``/admin``.

    The one place admin views are registered: each module below adds its routes to
    ``app.admin.blueprint.bp`` when imported, and no module imports another to register it.
    """
    from app.admin import (  # noqa: F401
        audit,
        desk_views,
        import_views,
        media_views,
        menu_views,
        page_views,
        profile,
        redirect_views,
        routes,
        search_views,
        taxonomy_views,
        users,
    )
    from app.admin.blueprint import bp

    app.register_blueprint(bp, url_prefix="/admin")
