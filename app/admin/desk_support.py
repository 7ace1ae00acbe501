"""What the post and page form views share for "no lost work": the conflict page and autosave
restore. The rules themselves live in app.content.revisions."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_wtf import FlaskForm

from app.content import revisions
from app.content.dates import to_site_time
from app.content.settings import get_setting
from app.extensions import db
from app.models import Autosave, Page, Post, User

# Form fields an autosave may fill back in (pickers keep what the saved post has).
RESTORABLE = (
    "title",
    "slug",
    "body",
    "excerpt",
    "tags",
    "byline_name",
    "source_name",
    "source_url",
)


def post_autosave_key(post: Post | None) -> str:
    return revisions.autosave_key("post", post.id if post else None)


def page_autosave_key(page: Page | None) -> str:
    return revisions.autosave_key("page", page.id if page else None)


def _key(item: Post | Page | None, kind: str) -> str:
    return revisions.autosave_key(kind, item.id if item else None)


def fill_from_autosave(form: FlaskForm, user: User, item: Post | Page | None, kind: str = "post"):
    """``?autosave=restore``: put the autosaved text into the form (the writer then saves)."""
    if request.args.get("autosave") != "restore":
        return None
    copy = revisions.pending_autosave(user, _key(item, kind), item)
    if copy is None:
        flash("There is no newer autosaved copy to restore.", "info")
        return None
    for name in RESTORABLE:
        field = getattr(form, name, None)
        if field is not None and name in copy.fields:
            field.data = copy.fields[name]
    flash(
        f"Restored the copy autosaved {local_time(copy)}. Save to keep it; leave to discard.",
        "success",
    )
    return copy


def offered_autosave(user: User, item: Post | Page | None, kind: str = "post") -> Autosave | None:
    if request.args.get("autosave") == "restore":
        return None
    return revisions.pending_autosave(user, _key(item, kind), item)


def local_time(copy: Autosave) -> str:
    local = to_site_time(copy.saved_at, get_setting("site_timezone"))
    return f"{local:%Y-%m-%d %H:%M}"


def render_conflict(form: FlaskForm, post_id: int):
    """Someone saved the post after this form was loaded: show both versions and the diff, keep
    the writer's text in the form, and let them choose (saving again now overwrites on purpose)."""
    db.session.expire_all()
    theirs = db.session.get(Post, post_id)
    latest = revisions.revisions_of(theirs)[:1]
    form.version.data = theirs.version
    form.version.raw_data = [str(theirs.version)]  # render the new version, not the posted one
    mine_body = form.body.data or ""
    conflict = {
        "theirs": theirs,
        "saved_by": latest[0].author.display_name if latest and latest[0].author else "someone",
        "saved_at": theirs.updated_at,
        "diff": revisions.diff_table(
            theirs.body_source or "", mine_body, "Saved version", "Your version"
        ),
        "title_differs": (form.title.data or "").strip() != theirs.title,
        "mine_title": form.title.data or "",
        "mine_body": mine_body,
    }
    flash(
        "Not saved: someone else saved this post while you were editing. Both versions are "
        "below; nothing is lost.",
        "error",
    )
    return (
        render_template(
            "admin/post_form.html",
            form=form,
            post=theirs,
            preview_html=None,
            published_at=theirs.published_at,
            conflict=conflict,
        ),
        409,
    )
