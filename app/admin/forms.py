from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.models import PostStatus

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class PostForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        "Slug",
        validators=[
            Optional(),
            Length(max=200),
            Regexp(SLUG_PATTERN, message="Use lower-case letters, digits and single hyphens."),
        ],
        description="The last part of the address. Leave empty to make one from the title.",
    )
    body = TextAreaField("Body (Markdown)", validators=[Length(max=500_000)])
    excerpt = TextAreaField(
        "Excerpt",
        validators=[Optional(), Length(max=2000)],
        description="Shown on the home page. Leave empty to use the first 55 words.",
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(PostStatus.DRAFT.value, "Draft"),
            SelectChoice(PostStatus.PUBLISHED.value, "Published"),
        ],
    )
    published_at = DateTimeLocalField(
        "Publish date",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Site time. Leave empty to use the moment of publishing; "
        "a future date schedules the post.",
    )
    save = SubmitField("Save")
    preview = SubmitField("Preview")


class ConfirmForm(FlaskForm):
    """Empty form for POST-only buttons such as delete and logout."""
