"""Account management for admins: invite, change role, (de)activate, send links, delete."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.accounts import staff, two_factor
from app.accounts.mail import MailError, MailSettings, link_mail, send_mail
from app.admin.access import permission_required
from app.admin.blueprint import bp
from app.admin.forms import ConfirmForm, DeleteAccountForm, InviteForm, RoleForm
from app.auth.sessions import current_actor, external_url, keep_signed_in
from app.content.collation import collated
from app.content.settings import get_setting
from app.extensions import db
from app.models import Post, TokenPurpose, User

LINK_ENDPOINTS = {
    TokenPurpose.INVITATION: "auth.invitation_link",
    TokenPurpose.PASSWORD_RESET: "auth.reset_password_link",
}


@bp.route("/users")
@permission_required("manage_users")
def users():
    accounts = collated(
        db.session.scalars(db.select(User).order_by(User.id)), lambda u: u.display_name
    )
    return render_template("admin/users.html", accounts=accounts)


@bp.route("/users/invite", methods=["GET", "POST"])
@permission_required("manage_users")
def invite_user():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user, raw = staff.invite_user(
                form.email.data, form.name.data, form.role.data, current_actor()
            )
        except staff.AccountRuleError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            return _deliver_link(user, TokenPurpose.INVITATION, raw)
    return render_template("admin/user_invite.html", form=form)


def _deliver_link(user: User, purpose: TokenPurpose, raw: str):
    """Mail the link when mail is set up; otherwise (or if sending fails) show it to the admin."""
    link = external_url(LINK_ENDPOINTS[purpose], token=raw)
    settings = MailSettings.from_config(current_app.config)
    what = "invitation" if purpose == TokenPurpose.INVITATION else "password reset link"
    if settings is not None:
        mail = link_mail(
            user, purpose, link, site_title=get_setting("site_title"), inviter=current_user
        )
        try:
            send_mail(settings, mail.to, mail.subject, mail.body)
        except MailError:
            current_app.logger.exception("Could not mail the %s to %s", what, user.email)
            flash(f"The {what} could not be emailed. Pass this link on yourself.", "error")
        else:
            flash(f"The {what} was emailed to {user.email}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template(
        "admin/link_created.html", account=user, link=link, purpose=purpose, what=what
    )


@bp.route("/users/<int:user_id>")
@permission_required("manage_users")
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    post_count = db.session.scalar(
        db.select(db.func.count(Post.id)).where(Post.author_id == user.id)
    )
    return render_template(
        "admin/user_detail.html",
        account=user,
        role_form=RoleForm(role=user.role),
        confirm_form=ConfirmForm(),
        post_count=post_count,
    )


def _apply(user: User, change, success: str):
    """Run an account change, commit, and report the outcome on the account's page."""
    try:
        change()
    except staff.AccountRuleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if user.id == current_user.id and user.active:
            keep_signed_in(user)
        flash(success, "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@permission_required("manage_users")
def change_user_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _apply(
        user,
        lambda: staff.change_role(user, form.role.data, current_actor()),
        f"{user.display_name} is now {form.role.data}.",
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@permission_required("manage_users")
def deactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _apply(
        user,
        lambda: staff.deactivate(user, current_actor()),
        f"{user.display_name} is deactivated and signed out everywhere.",
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@permission_required("manage_users")
def reactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _apply(
        user,
        lambda: staff.reactivate(user, current_actor()),
        f"{user.display_name} can log in again.",
    )


@bp.route("/users/<int:user_id>/send-link", methods=["POST"])
@permission_required("manage_users")
def send_user_link(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    purpose, raw = staff.send_access_link(user, current_actor())
    db.session.commit()
    return _deliver_link(user, purpose, raw)


@bp.route("/users/<int:user_id>/two-factor/disable", methods=["POST"])
@permission_required("manage_users")
def disable_user_two_factor(user_id: int):
    """For someone who lost both their phone and their recovery codes."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        # Changing one's own sign-in factors needs the password, which the profile page asks.
        flash("Turn off your own two-factor sign-in on your profile page.", "error")
        return redirect(url_for("admin.profile"))
    return _apply(
        user,
        lambda: two_factor.disable(user, current_actor()),
        f"Two-factor sign-in is off for {user.display_name}.",
    )


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@permission_required("manage_users")
def delete_user(user_id: int):
    user = db.get_or_404(User, user_id)
    others = collated(
        db.session.scalars(db.select(User).where(User.id != user.id)), lambda u: u.display_name
    )
    form = DeleteAccountForm()
    form.heir.choices = [(other.id, f"{other.display_name} ({other.email})") for other in others]
    post_count = db.session.scalar(
        db.select(db.func.count(Post.id)).where(Post.author_id == user.id)
    )
    if form.validate_on_submit():
        heir = db.session.get(User, form.heir.data)
        name = user.display_name
        try:
            moved = staff.delete_account(user, heir, current_actor())
        except staff.AccountRuleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                f"{name}’s account was deleted; {moved} post(s) now belong to {heir.display_name}.",
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_delete.html", account=user, form=form, post_count=post_count)
