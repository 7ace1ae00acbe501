"""What visitors read."""

# Importing them registers their routes on ``public.bp``: the aliases (/page/2/, /favicon.ico)
# and the discovery routes (search, feeds, sitemaps).
from app.public import aliases, discover  # noqa: F401
