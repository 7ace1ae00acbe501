"""The staff area: writing and managing posts, and organising the site's content."""

# Screens kept in their own modules; importing them registers their routes on ``admin.bp``.
from app.admin import desk_views, media_views, menu_views, page_views, taxonomy_views  # noqa: F401
