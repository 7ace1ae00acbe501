"""The header menu screen: admins add pages and category archives, reorder and remove them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.admin.content_forms import MenuItemForm, MenuMoveForm
from app.admin.forms import ConfirmForm
from app.content import menu as menu_rules
from app.content.staff_lists import page_tree
from app.content.taxonomy import category_tree
from app.extensions import db
from app.models import Category, MenuItem, Page


def _menu_form(pages) -> MenuItemForm:
    form = MenuItemForm()
    form.set_target_choices(pages, category_tree())
    return form


def _render_menu(form: MenuItemForm, pages):
    return render_template(
        "admin/menu.html",
        items=menu_rules.menu_items(),
        label_of=menu_rules.menu_label,
        paths={page.id: path for page, _depth, path in pages},
        form=form,
    )


@bp.route("/menu")
@permission_required("manage_menu")
def menu():
    pages = page_tree()
    return _render_menu(_menu_form(pages), pages)


@bp.route("/menu/add", methods=["POST"])
@permission_required("manage_menu")
def add_menu_item():
    pages = page_tree()
    form = _menu_form(pages)
    if form.validate_on_submit():
        kind, _, raw_id = form.target.data.partition(":")
        target = db.session.get(Page if kind == "page" else Category, int(raw_id))
        if target is None:  # deleted since the form was loaded
            form.target.errors.append("That page or category no longer exists.")
        else:
            try:
                item = menu_rules.add_menu_item(
                    page=target if kind == "page" else None,
                    category=target if kind == "category" else None,
                    label=form.label.data or "",
                )
            except menu_rules.MenuError as error:
                db.session.rollback()
                form.target.errors.append(str(error))
            else:
                label = menu_rules.menu_label(item)
                db.session.commit()
                flash(f"“{label}” was added to the menu.", "success")
                return redirect(url_for("admin.menu"))
    flash("Nothing was added. Please correct the marked fields.", "error")
    return _render_menu(form, pages)


@bp.route("/menu/<int:item_id>/move", methods=["POST"])
@permission_required("manage_menu")
def move_menu_item(item_id: int):
    item = db.get_or_404(MenuItem, item_id)
    form = MenuMoveForm()
    if not form.validate_on_submit():
        abort(400)
    menu_rules.move_menu_item(item, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return redirect(url_for("admin.menu"))


@bp.route("/menu/<int:item_id>/remove", methods=["POST"])
@permission_required("manage_menu")
def remove_menu_item(item_id: int):
    item = db.get_or_404(MenuItem, item_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    label = menu_rules.menu_label(item)
    menu_rules.remove_menu_item(item)
    db.session.commit()
    flash(f"“{label}” was removed from the menu.", "success")
    return redirect(url_for("admin.menu"))
