"""What visitors read."""

# Importing them registers their routes on ``public.bp``: the aliases (/page/2/, /favicon.ico),
# search, and the feeds.
from app.public import aliases, discover, feeds  # noqa: F401
