"""What visitors read."""

# Importing them registers their routes on ``public.bp``: the aliases (/page/2/, /favicon.ico),
# search, feeds, sitemaps and robots.txt.
from app.public import aliases, discover, feeds, sitemaps  # noqa: F401
