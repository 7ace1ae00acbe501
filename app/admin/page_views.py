"""Staff screens for standing pages (About us, Contact ...): a tree, the form, delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.admin.content_forms import PageForm
from app.admin.forms import ConfirmForm
from app.admin.routes import warn_about_missing_alt
from app.auth.sessions import current_actor
from app.content import pages as page_rules
from app.content.languages import is_valid_language, language_choices, normalise_language
from app.content.rendering import render_markdown
from app.content.settings import get_setting
from app.content.staff_lists import page_tree
from app.extensions import db
from app.media.library import featured_image_choices
from app.models import Page


@bp.route("/pages")
@permission_required("manage_pages")
def pages():
    return render_template("admin/pages.html", tree=page_tree())


@bp.route("/pages/new", methods=["GET", "POST"])
@permission_required("manage_pages")
def new_page():
    form = PageForm()
    if request.method == "GET":
        form.language.data = _site_language()
    return _handle_page_form(form, page=None)


@bp.route("/pages/<int:page_id>/edit", methods=["GET", "POST"])
@permission_required("manage_pages")
def edit_page(page_id: int):
    page = db.get_or_404(Page, page_id)
    form = PageForm(obj=page) if request.method == "GET" else PageForm()
    if request.method == "GET":
        form.body.data = page.body_source
        form.parent.data = page.parent_id
    return _handle_page_form(form, page=page)


def _site_language() -> str:
    code = get_setting("site_language")
    return normalise_language(code) if is_valid_language(code) else "en"


def _handle_page_form(form: PageForm, page: Page | None):
    extra_languages = [_site_language()] + ([page.language] if page else [])
    tree = page_tree()
    form.set_choices(tree, language_choices(extra_languages))
    form.featured_media_id.choices = featured_image_choices(
        form.featured_media_id.data if form.is_submitted() else (page and page.featured_media_id)
    )
    preview_html = None
    form_errors: list[str] = []
    if form.is_submitted() and form.preview.data:
        # Previewing saves nothing, so it works even before the form is complete.
        preview_html = render_markdown(form.body.data or "")
    elif form.validate_on_submit():
        draft = page_rules.PageDraft(
            title=form.title.data,
            body_source=form.body.data or "",
            slug=form.slug.data or "",
            parent_id=form.parent.data,
            menu_order=form.menu_order.data,
            status=form.status.data,
            language=form.language.data,
            featured_media_id=form.featured_media_id.data,
            seo_title=form.seo_title.data or "",
            seo_description=form.seo_description.data or "",
            noindex=form.noindex.data,
        )
        try:
            saved = page_rules.save_page(page, draft, by=current_actor())
            db.session.commit()
        except page_rules.PageError as error:
            db.session.rollback()
            (form.slug.errors if error.field == "slug" else form_errors).append(str(error))
        else:
            flash("Page created." if page is None else "Page saved.", "success")
            warn_about_missing_alt(draft.body_source, draft.featured_media_id)
            return redirect(url_for("admin.edit_page", page_id=saved.id))
    if form.errors or form_errors:
        flash("The page was not saved. Please correct the marked fields.", "error")
    paths = {p.id: path for p, _depth, path in tree}
    return render_template(
        "admin/page_form.html",
        form=form,
        page=page,
        form_errors=form_errors,
        preview_html=preview_html,
        public_path=paths.get(page.id) if page else None,
    )


@bp.route("/pages/<int:page_id>/delete", methods=["GET", "POST"])
@permission_required("manage_pages")
def delete_page(page_id: int):
    page = db.get_or_404(Page, page_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = page.title
        page_rules.delete_page(page, by=current_actor())
        db.session.commit()
        flash(f"Page “{title}” was deleted.", "success")
        return redirect(url_for("admin.pages"))
    children = [p for p, _depth, _path in page_tree() if p.parent_id == page.id]
    return render_template(
        "admin/confirm_page_delete.html", form=form, page=page, children=children
    )
