"""Forms of the staff screens for categories, tags, pages and the header menu."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.admin.forms import SearchEngineFields, optional_id
from app.content.slugs import SLUG_MAX_LENGTH, SLUG_MESSAGE, SLUG_PATTERN, SLUG_TOO_LONG
from app.models import PageStatus

NO_PARENT = SelectChoice("", "— None (top level) —")


def indented(depth: int, text: str) -> str:
    # Non-breaking spaces survive in <option> text, so the tree shows in the picker.
    return "\u00a0\u00a0\u00a0" * depth + text


def _slug_field(max_length: int, description: str) -> StringField:
    return StringField(
        "Slug",
        validators=[
            Optional(),
            Length(max=min(max_length, SLUG_MAX_LENGTH), message=SLUG_TOO_LONG),
            Regexp(SLUG_PATTERN, message=SLUG_MESSAGE),
        ],
        description=description,
    )


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = _slug_field(
        140, "Its address is /category/<slug>/. Leave empty to make one from the name."
    )
    parent = SelectField("Parent category", coerce=optional_id, choices=[NO_PARENT])
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=2000)],
        description="Shown at the top of the category's archive.",
    )
    save = SubmitField("Save category")

    def set_parent_choices(self, tree) -> None:
        self.parent.choices = [NO_PARENT] + [
            SelectChoice(str(category.id), indented(depth, category.name))
            for category, depth in tree
        ]


class TagForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = _slug_field(140, "Its address is /tag/<slug>/. Leave empty to make one from the name.")
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=2000)],
        description="Shown at the top of the tag's archive.",
    )
    save = SubmitField("Save tag")


class TagMergeForm(FlaskForm):
    source = SelectField(
        "Merge this tag",
        coerce=optional_id,
        validators=[InputRequired(message="Choose the tag to merge.")],
        description="It disappears; its posts get the other tag instead.",
    )
    target = SelectField(
        "into this tag",
        coerce=optional_id,
        validators=[InputRequired(message="Choose the tag to keep.")],
    )
    merge = SubmitField("Merge tags")

    def set_tag_choices(self, tags, counts: dict[int, int]) -> None:
        choices = [SelectChoice("", "— Choose a tag —")] + [
            SelectChoice(str(tag.id), f"{tag.name} ({counts.get(tag.id, 0)})") for tag in tags
        ]
        self.source.choices = list(choices)
        self.target.choices = list(choices)

    def validate_source(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose the tag to merge.")

    def validate_target(self, field) -> None:
        if field.data is None:
            raise ValidationError("Choose the tag to keep.")
        if field.data == self.source.data:
            raise ValidationError("Choose two different tags.")


class PageForm(SearchEngineFields, FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = _slug_field(
        200,
        "The last part of the address; a sub-page lives at /<parent>/<slug>/. "
        "Leave empty to make one from the title.",
    )
    body = TextAreaField("Body (Markdown)", validators=[Length(max=200_000)])  # see PostForm
    parent = SelectField("Parent page", coerce=optional_id, choices=[NO_PARENT])
    menu_order = IntegerField(
        "Order",
        default=0,
        validators=[InputRequired(message="Enter a whole number."), NumberRange(-9999, 9999)],
        description="Lower numbers come first among pages with the same parent.",
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(PageStatus.DRAFT.value, "Draft"),
            SelectChoice(PageStatus.PUBLISHED.value, "Published"),
        ],
    )
    language = SelectField("Language")
    featured_media_id = SelectField(
        "Featured image", coerce=optional_id, description="Shown above the page's text."
    )
    save = SubmitField("Save")
    preview = SubmitField("Preview")

    def set_choices(self, tree, languages) -> None:
        self.parent.choices = [NO_PARENT] + [
            SelectChoice(str(page.id), indented(depth, page.title)) for page, depth, _path in tree
        ]
        self.language.choices = languages


class MenuItemForm(FlaskForm):
    target = SelectField(
        "Page or category",
        validators=[DataRequired(message="Choose a page or a category.")],
    )
    label = StringField(
        "Label",
        validators=[Optional(), Length(max=120)],
        description="Optional. Leave empty to show the page title or category name.",
    )
    add = SubmitField("Add to menu")

    def set_target_choices(self, page_tree, category_tree) -> None:
        self.target.choices = [
            SelectChoice("", "— Choose —"),
            *(
                SelectChoice(f"page:{page.id}", indented(depth, page.title), optgroup="Pages")
                for page, depth, _path in page_tree
            ),
            *(
                SelectChoice(
                    f"category:{category.id}",
                    indented(depth, category.name),
                    optgroup="Categories",
                )
                for category, depth in category_tree
            ),
        ]


class MenuMoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])
