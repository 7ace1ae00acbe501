"""Every text field a form accepts fits the column it is stored in.

A value longer than its column is a 500 on PostgreSQL (and silently kept whole by SQLite), so
each form must refuse it with a message first. This test pairs each form field with its column
and fails when a form accepts more than the database can hold, or a new column grows a form
field without a limit.
"""

from __future__ import annotations

import pytest
from wtforms.validators import Length

from app.admin.content_forms import CategoryForm, MenuItemForm, PageForm, TagForm
from app.admin.forms import EmailForm, InviteForm, PostForm, ProfileForm
from app.admin.media_views import MediaDetailsForm
from app.admin.redirect_views import RedirectForm
from app.auth.forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm
from app.extensions import db
from app.models import Category, MediaItem, MenuItem, Page, Post, Redirect, Tag, User
from tests.conftest import login, post_form
from tests.factories import make_user

# (form, field) -> the column the field's value is stored in.
STORED_IN = {
    (PostForm, "title"): Post.title,
    (PostForm, "slug"): Post.slug,
    (PostForm, "password"): Post.password,
    (PostForm, "byline_name"): Post.byline_name,
    (PostForm, "source_name"): Post.source_name,
    (PostForm, "source_url"): Post.source_url,
    (PageForm, "title"): Page.title,
    (PageForm, "slug"): Page.slug,
    (CategoryForm, "name"): Category.name,
    (CategoryForm, "slug"): Category.slug,
    (TagForm, "name"): Tag.name,
    (TagForm, "slug"): Tag.slug,
    (MenuItemForm, "label"): MenuItem.label,
    (RedirectForm, "source"): Redirect.source,
    (RedirectForm, "target"): Redirect.target,
    (MediaDetailsForm, "title"): MediaItem.title,
    (MediaDetailsForm, "alt"): MediaItem.alt,
    (MediaDetailsForm, "caption"): MediaItem.caption,
    (MediaDetailsForm, "credit"): MediaItem.credit,
    (InviteForm, "email"): User.email,
    (InviteForm, "name"): User.display_name,
    (ProfileForm, "display_name"): User.display_name,
    (EmailForm, "new_email"): User.email,
    (AcceptInvitationForm, "name"): User.display_name,
    (LoginForm, "email"): User.email,
    (ForgotPasswordForm, "email"): User.email,
}


def _max_length(form_class, name: str) -> int | None:
    field = getattr(form_class, name)
    limits = [v.max for v in field.kwargs.get("validators", ()) if isinstance(v, Length)]
    limits = [m for m in limits if m is not None and m >= 0]
    return min(limits) if limits else None


@pytest.mark.parametrize(
    ("form_class", "name"), list(STORED_IN), ids=[f"{f.__name__}.{n}" for f, n in STORED_IN]
)
def test_form_field_refuses_what_its_column_cannot_hold(form_class, name):
    column_length = STORED_IN[(form_class, name)].property.columns[0].type.length
    form_limit = _max_length(form_class, name)
    assert form_limit is not None, f"{form_class.__name__}.{name} accepts text of any length"
    assert form_limit <= column_length, (
        f"{form_class.__name__}.{name} accepts {form_limit} characters; the column holds "
        f"{column_length}"
    )


def test_too_long_title_is_refused_with_a_message_and_the_text_kept(client):
    make_user("editor", email="editor@example.org")
    login(client, "editor@example.org")
    response = post_form(
        client, "/admin/posts/new", {"title": "T" * 301, "body": "Kept body", "status": "draft"}
    )
    assert response.status_code == 200
    assert "300 characters" in response.text
    assert "Kept body" in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0
