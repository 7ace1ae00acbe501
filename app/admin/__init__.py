"""The staff area: writing and managing posts, and organising the site's content."""

# Screens kept in their own modules; importing them registers their routes on ``admin.bp``.
from app.admin import (  # noqa: F401
    desk_views,
    import_views,
    media_views,
    menu_views,
    page_views,
    redirect_views,
    taxonomy_views,
)
