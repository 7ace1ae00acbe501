"""Flask extensions, created unbound so models and views never import the app."""

from flask import request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reading_is_never_limited() -> bool:
    """Every limit guards a form post (login, password checks...): a GET, HEAD or OPTIONS
    request skips the limiter's per-request work altogether."""
    return request.method in {"GET", "HEAD", "OPTIONS"}


cache = Cache()  # the full-page cache's store (app/caching/pages.py)


def listen_once(target, identifier: str, fn) -> None:
    """``event.listen``, unless ``fn`` already listens (each app built in a process calls it)."""
    if not event.contains(target, identifier, fn):
        event.listen(target, identifier, fn)
