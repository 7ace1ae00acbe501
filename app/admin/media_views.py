"""Staff screens of the media library: grid, upload, edit, used-in, delete.

Views stay thin: the rules live in app/media/library.py.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.extensions import db
from app.media.library import (
    MediaError,
    MediaInUse,
    add_media,
    can_manage_media,
    delete_media,
    image_sources,
    media_query,
    media_url,
    update_media,
    usages_of,
)
from app.models import MediaItem, MediaKind


def accepted_description() -> str:
    """What the library accepts, in words (Pillow loads here, on the media screen, not at
    startup: app/media/errors.py)."""
    from app.media.processing import ACCEPTED_DESCRIPTION

    return ACCEPTED_DESCRIPTION


class MediaDetailsForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=300)])
    alt = TextAreaField(
        "Alt text",
        validators=[Length(max=1000)],
        description="What a reader who cannot see the image needs to know. Required for images "
        "unless decorative.",
    )
    decorative = BooleanField("Decorative (adds nothing to the text; screen readers skip it)")
    caption = TextAreaField("Caption", validators=[Length(max=2000)])
    credit = StringField(
        "Credit",
        validators=[Length(max=300)],
        description="Photographer / agency, e.g. “Photo: Jane Doe / Agency”.",
    )


class UploadForm(MediaDetailsForm):
    """Details given at upload apply to every file of that upload (alt text can follow later)."""


class DeleteMediaForm(FlaskForm):
    remove_from_content = BooleanField("Also remove it from these posts and pages")


def _get_item(media_id: int, *, manage: bool) -> MediaItem:
    item = db.get_or_404(MediaItem, media_id)
    if manage and not can_manage_media(current_user, item):
        abort(403)
    return item


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _item_json(item: MediaItem) -> dict:
    data = {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "url": media_url(item.storage_key),
        "edit_url": url_for("admin.edit_media", media_id=item.id),
        "needs_alt": item.needs_alt,
        "alt": item.alt,
        "caption": item.caption,
        "credit": item.credit,
    }
    if item.is_image and item.width:
        data["thumb"] = image_sources(item, max_width=320).src
    return data


@bp.route("/media")
@permission_required("view_media")
def media():
    search = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in MediaKind} else ""
    missing_alt = request.args.get("missing_alt") == "1"
    pagination = db.paginate(
        media_query(search=search, kind=kind, missing_alt=missing_alt),
        per_page=current_app.config["MEDIA_PER_PAGE"],
        error_out=False,
    )
    if _wants_json():
        return jsonify(
            items=[_item_json(item) for item in pagination.items],
            page=pagination.page,
            pages=pagination.pages,
        )
    return render_template(
        "admin/media.html",
        pagination=pagination,
        items=pagination.items,
        search=search,
        kind=kind,
        missing_alt=missing_alt,
        form=UploadForm(),
        accepted=accepted_description(),
        max_mb=current_app.config["MEDIA_MAX_UPLOAD_MB"],
        filter_args={k: v for k, v in {"q": search, "kind": kind}.items() if v},
    )


@bp.route("/media/upload", methods=["POST"])
@permission_required("upload_media")
def upload_media():
    form = UploadForm()
    if not form.validate_on_submit():
        if _wants_json():
            return jsonify(error="The form expired. Reload the page and try again."), 400
        flash("The upload was not accepted. Reload the page and try again.", "error")
        return redirect(url_for("admin.media"))
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        if _wants_json():
            return jsonify(error="Choose a file to upload."), 400
        flash("Choose one or more files to upload.", "error")
        return redirect(url_for("admin.media"))
    saved: list[MediaItem] = []
    for upload in files:
        try:
            item = add_media(
                upload.stream,
                upload.filename or "upload",
                current_user,
                alt=form.alt.data or "",
                caption=form.caption.data or "",
                credit=form.credit.data or "",
                decorative=form.decorative.data,
                title=form.title.data or "" if len(files) == 1 else "",
            )
            db.session.commit()
            saved.append(item)
        except MediaError as error:
            db.session.rollback()
            if _wants_json():
                return jsonify(error=f"{upload.filename}: {error}"), 400
            flash(f"{upload.filename}: {error}", "error")
    if _wants_json():
        return jsonify(items=[_item_json(item) for item in saved]), 201
    if saved:
        flash(
            f"Uploaded {len(saved)} file{'s' if len(saved) != 1 else ''}."
            + (
                " Add alt text to the images marked “needs alt text”."
                if any(i.needs_alt for i in saved)
                else ""
            ),
            "success",
        )
    if len(saved) == 1 and saved[0].needs_alt:
        return redirect(url_for("admin.edit_media", media_id=saved[0].id))
    return redirect(url_for("admin.media"))


@bp.route("/media/<int:media_id>", methods=["GET", "POST"])
@permission_required("view_media")
def edit_media(media_id: int):
    item = _get_item(media_id, manage=False)
    may_manage = can_manage_media(current_user, item)
    if request.method == "POST" and not may_manage:
        abort(403)
    form = MediaDetailsForm(obj=item) if request.method == "GET" else MediaDetailsForm()
    if form.validate_on_submit():
        try:
            update_media(
                item,
                title=form.title.data or "",
                alt=form.alt.data or "",
                caption=form.caption.data or "",
                credit=form.credit.data or "",
                decorative=form.decorative.data,
            )
        except MediaError as error:
            form.alt.errors.append(str(error))
            flash("The details were not saved. Please correct the marked fields.", "error")
        else:
            db.session.commit()
            flash("Details saved.", "success")
            return redirect(url_for("admin.edit_media", media_id=item.id))
    return render_template(
        "admin/media_edit.html",
        item=item,
        form=form,
        may_manage=may_manage,
        usages=usages_of(item),
        url=media_url(item.storage_key),
    )


@bp.route("/media/<int:media_id>/delete", methods=["GET", "POST"])
def delete_media_item(media_id: int):
    item = _get_item(media_id, manage=True)
    form = DeleteMediaForm()
    usages = usages_of(item)
    if form.validate_on_submit():
        title = item.title
        try:
            delete_media(item, remove_from_content=form.remove_from_content.data)
        except MediaInUse as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"“{title}” was deleted.", "success")
            return redirect(url_for("admin.media"))
    return render_template("admin/media_delete.html", item=item, form=form, usages=usages)
