"""Staff screens for categories (a tree) and tags (flat): create, edit, merge, delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.admin.content_forms import CategoryForm, TagForm, TagMergeForm
from app.admin.forms import ConfirmForm
from app.content import taxonomy
from app.content.collation import collated
from app.content.slugs import SlugTaken
from app.content.staff_lists import category_post_counts, tag_post_counts
from app.extensions import db
from app.inputs import parse_int
from app.models import Category, Tag

SLUG_TAKEN = "Another {kind} already uses this slug."


# Categories -------------------------------------------------------------------------------


@bp.route("/categories")
@permission_required("manage_taxonomy")
def categories():
    return render_template(
        "admin/categories.html",
        tree=taxonomy.category_tree(),
        counts=category_post_counts(),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def new_category():
    return _handle_category_form(CategoryForm(), category=None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def edit_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = CategoryForm(obj=category) if request.method == "GET" else CategoryForm()
    if request.method == "GET":
        form.parent.data = category.parent_id
    return _handle_category_form(form, category=category)


def _handle_category_form(form: CategoryForm, category: Category | None):
    all_categories = taxonomy.all_categories()
    form.set_parent_choices(taxonomy.category_tree(all_categories))
    if form.validate_on_submit():
        parent = next((c for c in all_categories if c.id == form.parent.data), None)
        try:
            saved = taxonomy.save_category(
                category,
                name=form.name.data,
                slug=form.slug.data or "",
                description=form.description.data or "",
                parent=parent,
            )
            db.session.commit()
        except taxonomy.TaxonomyError as error:
            db.session.rollback()
            form.parent.errors.append(str(error))
        except SlugTaken:
            db.session.rollback()
            form.slug.errors.append(SLUG_TAKEN.format(kind="category"))
        else:
            flash(f"Category “{saved.name}” saved.", "success")
            return redirect(url_for("admin.categories"))
    if form.errors:
        flash("The category was not saved. Please correct the marked fields.", "error")
    return render_template("admin/category_form.html", form=form, category=category)


@bp.route("/categories/<int:category_id>/delete", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def delete_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = category.name
        try:
            taxonomy.delete_category(category)
        except taxonomy.TaxonomyError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("admin.edit_category", category_id=category.id))
        db.session.commit()
        flash(f"Category “{name}” was deleted.", "success")
        return redirect(url_for("admin.categories"))
    return render_template(
        "admin/confirm_term_delete.html",
        form=form,
        kind="category",
        term=category,
        count=category_post_counts().get(category.id, 0),
        cancel_url=url_for("admin.edit_category", category_id=category.id),
    )


# Tags -------------------------------------------------------------------------------------


def _all_tags() -> list[Tag]:
    return collated(db.session.scalars(select(Tag).order_by(Tag.id)), lambda t: t.name)


@bp.route("/tags")
@permission_required("manage_taxonomy")
def tags():
    return render_template("admin/tags.html", tags=_all_tags(), counts=tag_post_counts())


@bp.route("/tags/new", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def new_tag():
    return _handle_tag_form(TagForm(), tag=None)


@bp.route("/tags/<int:tag_id>/edit", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def edit_tag(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    form = TagForm(obj=tag) if request.method == "GET" else TagForm()
    return _handle_tag_form(form, tag=tag)


def _handle_tag_form(form: TagForm, tag: Tag | None):
    if form.validate_on_submit():
        try:
            saved = taxonomy.save_tag(
                tag,
                name=form.name.data,
                slug=form.slug.data or "",
                description=form.description.data or "",
            )
            db.session.commit()
        except SlugTaken:
            db.session.rollback()
            form.slug.errors.append(SLUG_TAKEN.format(kind="tag"))
        else:
            flash(f"Tag “{saved.name}” saved.", "success")
            return redirect(url_for("admin.tags"))
    if form.errors:
        flash("The tag was not saved. Please correct the marked fields.", "error")
    return render_template("admin/tag_form.html", form=form, tag=tag)


@bp.route("/tags/merge", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def merge_tags():
    form = TagMergeForm()
    all_tags = _all_tags()
    form.set_tag_choices(all_tags, tag_post_counts())
    source_id = parse_int(request.args.get("source"), minimum=1)
    if request.method == "GET" and source_id is not None:
        form.source.data = source_id
    if form.validate_on_submit():
        by_id = {tag.id: tag for tag in all_tags}
        source, target = by_id[form.source.data], by_id[form.target.data]
        source_name = source.name
        try:
            moved = taxonomy.merge_tags(source, target)
        except taxonomy.TaxonomyError as error:
            db.session.rollback()
            form.target.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"“{source_name}” was merged into “{target.name}”: "
                f"{moved} post{'s' if moved != 1 else ''} moved.",
                "success",
            )
            return redirect(url_for("admin.tags"))
    if form.errors:
        flash("The tags were not merged. Please correct the marked fields.", "error")
    return render_template("admin/tag_merge.html", form=form)


@bp.route("/tags/<int:tag_id>/delete", methods=["GET", "POST"])
@permission_required("manage_taxonomy")
def delete_tag(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = tag.name
        taxonomy.delete_tag(tag)
        db.session.commit()
        flash(f"Tag “{name}” was deleted; its posts keep everything else.", "success")
        return redirect(url_for("admin.tags"))
    return render_template(
        "admin/confirm_term_delete.html",
        form=form,
        kind="tag",
        term=tag,
        count=tag_post_counts().get(tag.id, 0),
        cancel_url=url_for("admin.edit_tag", tag_id=tag.id),
    )
