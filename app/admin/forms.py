from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.models import PostStatus

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FEATURED_SLOTS = 4  # empty choices offered at least; more appear as slots fill up


def _optional_id(value) -> int | None:
    return None if value in ("", None) else int(value)


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


class SettingsForm(FlaskForm):
    site_title = StringField("Site title", validators=[DataRequired(), Length(max=120)])
    site_tagline = StringField("Tagline", validators=[Optional(), Length(max=200)])
    site_timezone = StringField(
        "Timezone",
        validators=[DataRequired()],
        description="An IANA name such as Europe/Berlin or Asia/Tehran. Dates and permalinks "
        "use it.",
    )
    site_language = StringField(
        "Default language",
        validators=[DataRequired(), Regexp(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")],
        description="A language code such as en, de, fr or fa.",
    )
    posts_per_page = IntegerField(
        "Posts per page", validators=[DataRequired(), NumberRange(min=1, max=100)]
    )
    featured_categories = FieldList(
        SelectField("Featured category", coerce=_optional_id, choices=[]),
        label="Featured categories",
        min_entries=FEATURED_SLOTS,
    )
    save = SubmitField("Save settings")

    def set_category_choices(self, tree, *, add_slots: bool) -> None:
        """Offer every category in each slot; on a fresh form, leave two empty slots free."""
        if add_slots:
            filled = sum(1 for entry in self.featured_categories if entry.data is not None)
            while len(self.featured_categories) < max(FEATURED_SLOTS, filled + 2):
                self.featured_categories.append_entry()
        choices = [SelectChoice("", "— None —")] + [
            SelectChoice(str(category.id), "\u00a0\u00a0\u00a0" * depth + category.name)
            for category, depth in tree
        ]
        for entry in self.featured_categories:
            entry.choices = choices

    def featured_category_ids(self) -> list[int]:
        """The chosen categories in slot order, empty slots skipped."""
        return [entry.data for entry in self.featured_categories if entry.data is not None]

    def validate_featured_categories(self, field) -> None:
        ids = self.featured_category_ids()
        if len(ids) != len(set(ids)):
            raise ValidationError("Each category can be featured only once.")

    def validate_site_timezone(self, field) -> None:
        if field.data not in available_timezones():
            raise ValidationError("Unknown timezone. Use a name like Europe/Berlin.")
