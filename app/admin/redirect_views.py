"""Staff screen for the redirect table: list, search, add, edit, delete, with hit counts."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.admin.forms import ConfirmForm
from app.content import redirects
from app.extensions import db
from app.models import Redirect


class RedirectForm(FlaskForm):
    source = StringField(
        "Old address",
        validators=[DataRequired(message="Enter the old address."), Length(max=1000)],
        description="A path such as /2014/05/old-post/ or a full old URL; query strings such as "
        "?utm_source are ignored, except WordPress's ?p=, ?page_id=, ?cat= ...",
    )
    status_code = SelectField(
        "Answer",
        choices=[
            SelectChoice("301", "301 — moved to the new address"),
            SelectChoice("410", "410 — gone for good"),
        ],
        default="301",
    )
    target = StringField(
        "New address",
        validators=[Optional(), Length(max=1000)],
        description="A path on this site (/about/) or a full http(s) address. Not used for 410.",
    )
    save = SubmitField("Save")


@bp.route("/redirects")
@permission_required("manage_redirects")
def redirects_list():
    term = request.args.get("q", "").strip()[:200]
    pagination = db.paginate(
        redirects.search(term), per_page=current_app.config["ADMIN_POSTS_PER_PAGE"], error_out=False
    )
    return render_template(
        "admin/redirects.html", pagination=pagination, redirects=pagination.items, q=term
    )


@bp.route("/redirects/new", methods=["GET", "POST"])
@permission_required("manage_redirects")
def new_redirect():
    return _handle_form(RedirectForm(), None)


@bp.route("/redirects/<int:redirect_id>/edit", methods=["GET", "POST"])
@permission_required("manage_redirects")
def edit_redirect(redirect_id: int):
    found = db.get_or_404(Redirect, redirect_id)
    form = RedirectForm(obj=found) if request.method == "GET" else RedirectForm()
    if request.method == "GET":
        form.status_code.data = str(found.status_code)
    return _handle_form(form, found)


def _handle_form(form: RedirectForm, found: Redirect | None):
    if form.validate_on_submit():
        try:
            redirects.save_redirect(
                found, form.source.data, form.target.data or "", int(form.status_code.data)
            )
        except redirects.RedirectError as error:
            db.session.rollback()
            field = (
                form.source
                if "old address" in str(error) or "already" in str(error)
                else form.target
            )
            field.errors.append(str(error))
        else:
            db.session.commit()
            flash("Redirect saved.", "success")
            return redirect(url_for("admin.redirects_list"))
    if form.errors:
        flash("The redirect was not saved. Please correct the marked fields.", "error")
    return render_template("admin/redirect_form.html", form=form, found=found)


@bp.route("/redirects/<int:redirect_id>/delete", methods=["GET", "POST"])
@permission_required("manage_redirects")
def delete_redirect(redirect_id: int):
    found = db.get_or_404(Redirect, redirect_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        db.session.delete(found)
        db.session.commit()
        flash(f"The redirect from {found.source} was deleted.", "success")
        return redirect(url_for("admin.redirects_list"))
    return render_template("admin/confirm_redirect_delete.html", found=found, form=form)
