"""Entry point for ``flask --app wsgi`` and WSGI servers such as gunicorn."""

from app import create_app

app = create_app()
