from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.auth.forms import NewPasswordMixin
from app.content.dates import DATE_RANGE_MESSAGE, in_accepted_range
from app.content.languages import is_valid_language, normalise_language
from app.content.slugs import (
    SLUG_MAX_LENGTH,
    SLUG_MESSAGE,
    SLUG_TOO_LONG,
    post_slug,
)
from app.inputs import is_printable_line
from app.models import PostStatus, Role

TAG_NAME_MAX_LENGTH = 120  # Tag.name
# A plausibility check only; the invitation mail is the real test of an address.
LOOKS_LIKE_EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z", message="Enter an email address.")
FEATURED_SLOTS = 4  # empty choices offered at least; more appear as slots fill up


def optional_id(value) -> int | None:
    """Coerce a select's value to an id; the empty choice means "none"."""
    return None if value in ("", None) else int(value)


def _check_date_range(field) -> None:
    if field.data is not None and not in_accepted_range(field.data):
        raise ValidationError(DATE_RANGE_MESSAGE)


class SearchEngineFields:
    """Per post/page overrides for search engines and link previews (app/public/metadata.py)."""

    seo_title = StringField(
        "Search-engine title",
        validators=[Optional(), Length(max=300)],
        description="Shown in search results and link previews instead of the title.",
    )
    seo_description = TextAreaField(
        "Search-engine description",
        validators=[Optional(), Length(max=500)],
        description="Shown under the title in search results instead of the excerpt.",
    )
    noindex = BooleanField("Hidden from search engines (noindex, left out of the sitemap)")


class PostForm(SearchEngineFields, FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=SLUG_MAX_LENGTH, message=SLUG_TOO_LONG)],
        description="The last part of the address. Leave empty to make one from the title.",
    )
    # The cap keeps the sanitiser fast: bleach slows down sharply on huge hostile input.
    body = TextAreaField("Body (Markdown)", validators=[Length(max=200_000)])
    excerpt = TextAreaField(
        "Excerpt",
        validators=[Optional(), Length(max=2000)],
        description="Shown on the home page. Leave empty to use the first 55 words.",
    )
    # The view narrows the choices to what the role may do and refuses anything else itself,
    # with a message that says why.
    status = SelectField(
        "Status",
        choices=[SelectChoice(PostStatus.DRAFT.value, "Draft")],
        validate_choice=False,
    )
    published_at = DateTimeLocalField(
        "Publish date",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), lambda form, field: _check_date_range(field)],
        description="Site time. Leave empty to use the moment of publishing; "
        "a future date schedules the post.",
    )
    language = SelectField("Language")
    categories = SelectMultipleField(
        "Categories",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="Posts with no category go into the default one.",
    )
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=1000)],
        description="Separate tags with commas; new tags are created.",
    )
    translation_of = SelectField(
        "Translation of",
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        description="Link this post to the same article in another language. The list offers "
        "posts in other languages; with JavaScript, type to search every title.",
    )
    sticky = BooleanField("Pin to the top of the home page")
    featured_media_id = SelectField(
        "Featured image",
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        description="Shown above the post, in lists and on the home page, and when the post is "
        "shared on social media.",
    )
    password = StringField(
        "Password",
        validators=[Optional(), Length(max=255)],
        description="Only visitors who enter this password can read the post (the title stays "
        "public). Leave empty for everyone.",
    )
    byline_name = StringField(
        "Outside author",
        validators=[Optional(), Length(max=200)],
        description="For a reposted article: the byline readers see instead of your name.",
    )
    source_name = StringField("Source publication", validators=[Optional(), Length(max=200)])
    source_url = URLField(
        "Original URL",
        validators=[Optional(), URL(require_tld=False), Length(max=1000)],
        description="The post's canonical link will point here.",
    )
    source_published_on = DateField(
        "Originally published on",
        validators=[Optional(), lambda form, field: _check_date_range(field)],
    )
    # The version of the post this form was loaded from: saving over a newer one is a conflict.
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save = SubmitField("Save")
    preview = SubmitField("Preview")

    def validate_language(self, field) -> None:
        if not is_valid_language(field.data or ""):
            raise ValidationError("Choose a language.")

    def validate_slug(self, field) -> None:
        """Lower-case words (Latin letters, or other scripts when Unicode slugs are on), digits
        and single hyphens: exactly what the slug maker itself would produce."""
        if field.data and post_slug(field.data) != field.data:
            raise ValidationError(SLUG_MESSAGE)

    def validate_tags(self, field) -> None:
        for name in (field.data or "").split(","):
            if len(" ".join(name.split())) > TAG_NAME_MAX_LENGTH:
                raise ValidationError(
                    f"Each tag can be at most {TAG_NAME_MAX_LENGTH} characters: "
                    f"“{name.strip()[:30]}…” is longer."
                )

    def validate_source_url(self, field) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Use an http:// or https:// address.")


class ConfirmForm(FlaskForm):
    """Empty form for POST-only buttons such as delete and logout."""


def single_line(form, field) -> None:
    """Titles end up in mail subjects and page titles: one line, no control characters."""
    if field.data and not is_printable_line(field.data):
        raise ValidationError("Use a single line without line breaks.")


class SettingsForm(FlaskForm):
    site_title = StringField(
        "Site title", validators=[DataRequired(), Length(max=120), single_line]
    )
    unicode_slugs = BooleanField(
        "Keep non-Latin words readable in post addresses",
        default=True,
        description="On: a Persian title gives /…/گزارش-سالانه/ (percent-encoded in links, as "
        "WordPress does). Off: it is transliterated to ASCII. Existing addresses never change.",
    )
    site_tagline = StringField("Tagline", validators=[Optional(), Length(max=200), single_line])
    site_timezone = StringField(
        "Timezone",
        validators=[DataRequired()],
        description="An IANA name such as Europe/Berlin or Asia/Tehran. Dates and permalinks "
        "use it.",
    )
    site_language = StringField(
        "Default language",
        validators=[DataRequired(), Length(max=35)],
        description="A BCP 47 language tag such as en, de, fr, fa or pt-BR.",
    )
    posts_per_page = IntegerField(
        "Posts per page", validators=[DataRequired(), NumberRange(min=1, max=100)]
    )
    revisions_to_keep = IntegerField(
        "Revisions to keep per post or page",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10_000)],
        filters=[lambda value: value or 0],
        description="0 keeps every revision. A number keeps only that many newest ones; older "
        "ones are deleted at the next save.",
    )
    require_two_factor_for_editors = BooleanField(
        "Require two-factor sign-in for editors and admins",
        description="Editors and admins without it are asked to set it up before they can "
        "use the staff area.",
    )
    media_keep_metadata = BooleanField(
        "Keep photo metadata in uploaded originals",
        description="Off (recommended): uploads lose their EXIF data — GPS position, camera "
        "serial number, owner name — before they are stored. On: the original kept for download "
        "keeps it; the smaller copies shown on pages never do.",
    )
    featured_categories = FieldList(
        SelectField("Featured category", coerce=optional_id, choices=[]),
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

    def validate_site_language(self, field) -> None:
        """Only a BCP 47 tag Babel knows; stored in its canonical spelling (``pt_br`` -> ``pt-BR``)."""
        try:
            field.data = normalise_language(field.data or "")
        except ValueError:
            raise ValidationError(
                "Unknown language tag. Use a BCP 47 tag such as en, de, fa or pt-BR."
            ) from None

    def validate_site_timezone(self, field) -> None:
        if field.data not in available_timezones():
            raise ValidationError("Unknown timezone. Use a name like Europe/Berlin.")


ROLE_CHOICES = [
    SelectChoice(Role.CONTRIBUTOR.value, "Contributor — writes drafts and submits them for review"),
    SelectChoice(Role.AUTHOR.value, "Author — publishes own posts"),
    SelectChoice(Role.EDITOR.value, "Editor — edits and publishes every post"),
    SelectChoice(Role.ADMIN.value, "Admin — everything, plus accounts and settings"),
]


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), LOOKS_LIKE_EMAIL])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.AUTHOR.value)
    submit = SubmitField("Send invitation")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change role")


class DeleteAccountForm(FlaskForm):
    heir = SelectField("Give all their posts to", coerce=int, validate_choice=True)
    submit = SubmitField("Delete account")


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    bio = TextAreaField(
        "Short bio",
        validators=[Optional(), Length(max=600)],
        description="Shown under your posts. Plain text, up to 600 characters.",
    )
    save_profile = SubmitField("Save profile")


class EmailForm(FlaskForm):
    new_email = EmailField(
        "New email", validators=[DataRequired(), Length(max=254), LOOKS_LIKE_EMAIL]
    )
    email_password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=1024)],
        description="To make sure it is you.",
    )
    save_email = SubmitField("Change email")


class PasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1024)]
    )
    save_password = SubmitField("Change password")


class TwoFactorConfirmForm(FlaskForm):
    setup_password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=1024)],
        description="Changing how you sign in needs your password.",
    )
    code = StringField(
        "Code from the app",
        validators=[DataRequired(), Length(max=20)],
        description="Type the six digits your authenticator app shows for this site.",
    )
    submit = SubmitField("Turn on two-factor sign-in")


class DisableTwoFactorForm(FlaskForm):
    disable_password = PasswordField("Your password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Turn off two-factor sign-in")
