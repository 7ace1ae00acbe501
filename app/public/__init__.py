"""What visitors read."""

# Importing it registers the alias routes (/page/2/, /favicon.ico) on ``public.bp``.
from app.public import aliases  # noqa: F401
