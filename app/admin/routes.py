from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app.admin import desk_support as desk
from app.admin.access import check_permission, permission_required
from app.admin.blueprint import bp
from app.admin.forms import ConfirmForm, PostForm, SettingsForm
from app.auth.sessions import current_actor
from app.content import dashboard, listing, publishing, revisions
from app.content.audit import record
from app.content.dates import from_site_time, to_site_time
from app.content.languages import language_choices, normalise_language
from app.content.permissions import NotAllowed, allowed_statuses, can
from app.content.publishing import STATUS_LABELS, PostDraft
from app.content.rendering import render_markdown
from app.content.settings import all_settings, get_setting, save_settings
from app.content.slugs import SlugTaken
from app.content.taxonomy import category_tree, parse_tag_list
from app.extensions import db
from app.media.library import featured_image_choices, images_missing_alt
from app.models import Post

STATUS_NOT_ALLOWED = (
    "Your role cannot publish this post. Choose “Pending review” to submit it to an editor."
)


@bp.route("/")
def posts():
    status = request.args.get("status", "")
    if status not in dashboard.FILTER_LABELS:
        status = ""
    search = request.args.get("q", "").strip()[:200]
    # Index-backed (created_at, id) and no count of every post: flat at any size.
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    pagination = listing.paginate(
        dashboard.post_list_query(status, search), page, current_app.config["ADMIN_POSTS_PER_PAGE"]
    )
    if page > 1 and not pagination.items:
        abort(404)
    return render_template(
        "admin/posts.html",
        pagination=pagination,
        posts=pagination.items,
        status=status,
        search=search,
        filters=dashboard.FILTER_LABELS,
        status_label=dashboard.status_label,
        status_key=dashboard.status_key,
        bulk_actions=dashboard.BULK_ACTIONS,
        categories=category_tree(),
    )


@bp.route("/posts/new", methods=["GET", "POST"])
def new_post():
    form = PostForm()
    if request.method == "GET":
        form.language.data = get_setting("site_language")
        desk.fill_from_autosave(form, current_user, None)
    _offer_choices(form, post=None)
    return _handle_post_form(form, post=None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id: int):
    post = db.get_or_404(Post, post_id)
    check_permission("edit_post", post)
    form = PostForm(obj=post) if request.method == "GET" else PostForm()
    _offer_choices(form, post=post)
    if request.method == "GET":
        form.body.data = post.body_source
        form.excerpt.data = post.custom_excerpt or ""
        form.categories.data = [category.id for category in post.categories]
        form.tags.data = ", ".join(tag.name for tag in post.tags)
        form.translation_of.data = _linked_translation_id(post)
        if post.published_at is not None:
            local = to_site_time(post.published_at, get_setting("site_timezone"))
            form.published_at.data = local.replace(tzinfo=None)
        form.version.data = post.version
        desk.fill_from_autosave(form, current_user, post)
    return _handle_post_form(form, post=post)


TRANSLATION_CHOICES_LIMIT = 300


def _offer_choices(form: PostForm, post: Post | None) -> None:
    """Fill the pickers: languages, the category tree, posts to link as translations."""
    current_language = form.language.data or (post.language if post else None)
    form.language.choices = [
        SelectChoice(code, label)
        for code, label in language_choices(
            [c for c in (current_language, get_setting("site_language")) if c]
        )
    ]
    form.categories.choices = [
        SelectChoice(category.id, "— " * depth + category.name)
        for category, depth in category_tree()
    ]
    form.featured_media_id.choices = featured_image_choices(
        form.featured_media_id.data if form.is_submitted() else (post and post.featured_media_id)
    )
    candidates = db.select(Post.id, Post.title, Post.language).order_by(Post.created_at.desc())
    if not can(current_user, "edit_any_post"):
        # Linking changes the other post too ("Also in", hreflang): only one's own posts.
        candidates = candidates.where(Post.author_id == current_user.id)
    if post is not None:
        candidates = candidates.where(Post.id != post.id)
    if current_language:
        # A translation is in another language; the script searches them all by title.
        candidates = candidates.where(Post.language != current_language)
    rows = db.session.execute(candidates.limit(TRANSLATION_CHOICES_LIMIT)).all()
    linked = _linked_translation_id(post) if post else None
    if linked and linked not in {row.id for row in rows}:
        rows += db.session.execute(
            db.select(Post.id, Post.title, Post.language).where(Post.id == linked)
        ).all()
    form.translation_of.choices = [SelectChoice(None, "— not a translation —")] + [
        SelectChoice(row.id, f"{row.title} ({row.language})") for row in rows
    ]


def _linked_translation_id(post: Post) -> int | None:
    """Another post of ``post``'s translation group, the one the form shows as its original."""
    if post.translation_group is None:
        return None
    return db.session.scalar(
        db.select(Post.id)
        .where(Post.translation_group == post.translation_group, Post.id != post.id)
        .order_by(Post.id)
        .limit(1)
    )


def _handle_post_form(form: PostForm, post: Post | None):
    allowed = [status.value for status in allowed_statuses(current_user, post)]
    form.status.choices = [(value, STATUS_LABELS[value]) for value in allowed]
    preview_html = None
    if form.is_submitted() and form.preview.data:
        # Previewing saves nothing, so it works even before the form is complete.
        preview_html = render_markdown(form.body.data or "")
        warn_about_missing_alt(form.body.data or "", form.featured_media_id.data)
    elif form.validate_on_submit():
        draft = _draft_from_form(form)
        try:
            saved = publishing.save_post(
                post, draft, by=current_actor(), expected_version=form.version.data
            )
            db.session.commit()
        except publishing.StatusNotAllowed:
            db.session.rollback()
            form.status.errors.append(STATUS_NOT_ALLOWED)
            flash(STATUS_NOT_ALLOWED, "error")
        except NotAllowed:  # e.g. a translation link to a post this role may not edit
            db.session.rollback()
            abort(403)
        except SlugTaken:
            db.session.rollback()
            form.slug.errors.append("Another post already uses this slug.")
        except revisions.ConflictError:
            db.session.rollback()
            return desk.render_conflict(form, post.id)
        else:
            flash("Post created." if post is None else "Post saved.", "success")
            warn_about_missing_alt(draft.body_source, draft.featured_media_id)
            return redirect(url_for("admin.edit_post", post_id=saved.id))
    elif form.errors:
        flash("The post was not saved. Please correct the marked fields.", "error")
    return render_template(
        "admin/post_form.html",
        form=form,
        post=post,
        preview_html=preview_html,
        published_at=post.published_at if post else None,
        autosave=desk.offered_autosave(current_user, post) if request.method == "GET" else None,
    )


def warn_about_missing_alt(body_source: str, featured_media_id: int | None) -> None:
    """Tell the writer which library images readers using screen readers would miss."""
    for item in images_missing_alt(body_source, featured_media_id):
        flash(
            f"The image “{item.title}” has no alt text, so people using screen readers miss it. "
            "Describe it in the Markdown (![description](…)) or in the media library, "
            "or mark it decorative there.",
            "warning",
        )


def _draft_from_form(form: PostForm) -> PostDraft:
    published_at = None
    if form.published_at.data is not None:
        published_at = from_site_time(form.published_at.data, get_setting("site_timezone"))
    return PostDraft(
        title=form.title.data,
        slug=form.slug.data or "",
        body_source=form.body.data or "",
        custom_excerpt=form.excerpt.data or "",
        status=form.status.data,
        language=normalise_language(form.language.data),
        category_ids=form.categories.data or [],
        tag_names=parse_tag_list(form.tags.data or ""),
        translation_of=form.translation_of.data,
        sticky=form.sticky.data,
        password=form.password.data or "",
        byline_name=form.byline_name.data or "",
        source_name=form.source_name.data or "",
        source_url=form.source_url.data or "",
        source_published_on=form.source_published_on.data,
        published_at=published_at,
        featured_media_id=form.featured_media_id.data,
        seo_title=form.seo_title.data or "",
        seo_description=form.seo_description.data or "",
        noindex=form.noindex.data,
    )


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id: int):
    post = db.get_or_404(Post, post_id)
    check_permission("delete_post", post)
    form = ConfirmForm()
    if form.validate_on_submit():
        publishing.delete_post(post, by=current_actor())
        db.session.commit()
        flash(f"“{post.title}” was deleted.", "success")
        return redirect(url_for("admin.posts"))
    return render_template("admin/confirm_delete.html", post=post, form=form)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("manage_settings")
def settings():
    form = SettingsForm(data=all_settings()) if request.method == "GET" else SettingsForm()
    form.set_category_choices(category_tree(), add_slots=request.method == "GET")
    if form.validate_on_submit():
        before = all_settings()
        changes = {name: field.data for name, field in form._fields.items() if name in before}
        changes["featured_categories"] = form.featured_category_ids()
        changed = sorted(name for name, value in changes.items() if before[name] != value)
        save_settings(changes)
        if changed:
            record("settings.changed", current_actor(), None, {"changed": changed})
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("admin.settings"))
    if form.errors:
        flash("The settings were not saved. Please correct the marked fields.", "error")
    return render_template("admin/settings.html", form=form)
