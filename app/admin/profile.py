"""Self-service for every staff member: name, bio, email, password, two-factor sign-in."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.accounts import staff, two_factor
from app.accounts.passwords import verify_password
from app.admin.access import check_permission
from app.admin.blueprint import bp
from app.admin.forms import (
    DisableTwoFactorForm,
    EmailForm,
    PasswordForm,
    ProfileForm,
    TwoFactorConfirmForm,
)
from app.auth.sessions import current_actor, keep_signed_in
from app.content.settings import get_setting
from app.extensions import db, limiter


def _account_key() -> str:
    """Throttle per account, whatever address the guesses come from."""
    ident = current_user.get_id() if current_user.is_authenticated else None
    return "password-check:" + (ident or request.remote_addr or "").partition(":")[0]


# Every route that checks a password or a code inside a session is throttled, as login is:
# a stolen session must not become a way to guess the password or a second factor.
password_check_limit = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_CHECK_RATE_LIMIT"],
    scope="password-check",
    key_func=_account_key,
    methods=["POST"],
)


def _me():
    check_permission("edit_profile")
    return current_user._get_current_object()


def _render_profile(status: int = 200, **forms):
    me = _me()
    defaults = {
        "profile_form": ProfileForm(display_name=me.display_name, bio=me.bio, formdata=None),
        "email_form": EmailForm(formdata=None),
        "password_form": PasswordForm(formdata=None),
        "disable_form": DisableTwoFactorForm(formdata=None),
    }
    defaults.update(forms)
    return render_template(
        "admin/profile.html",
        me=me,
        recovery_left=two_factor.remaining_recovery_codes(me) if me.two_factor_enabled else 0,
        **defaults,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    me = _me()
    form = ProfileForm()
    if form.validate_on_submit():
        staff.update_profile(me, form.display_name.data, form.bio.data or "")
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("admin.profile"))
    if form.is_submitted():
        return _render_profile(profile_form=form)
    return _render_profile()


@bp.route("/profile/email", methods=["POST"])
@password_check_limit
def change_email():
    me = _me()
    form = EmailForm()
    if form.validate_on_submit():
        try:
            staff.change_email(me, form.new_email.data, form.email_password.data, current_actor())
        except staff.AccountRuleError as error:
            db.session.rollback()
            form.new_email.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Your email is now {me.email}.", "success")
            return redirect(url_for("admin.profile"))
    return _render_profile(email_form=form)


@bp.route("/profile/password", methods=["POST"])
@password_check_limit
def change_password():
    me = _me()
    form = PasswordForm()
    form.account_email = me.email
    if form.validate_on_submit():
        try:
            staff.change_password(
                me, form.current_password.data, form.password.data, current_actor()
            )
        except staff.AccountRuleError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            keep_signed_in(me)
            flash("Password changed. You were signed out on every other device.", "success")
            return redirect(url_for("admin.profile"))
    return _render_profile(password_form=form)


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@password_check_limit
def two_factor_setup():
    me = _me()
    if me.two_factor_enabled:
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("admin.profile"))
    form = TwoFactorConfirmForm()
    if form.validate_on_submit():
        if not verify_password(me.password_hash, form.setup_password.data):
            form.setup_password.errors.append("The password is not correct.")
        else:
            codes = two_factor.confirm_setup(me, form.code.data, current_actor())
            if codes is not None:
                db.session.commit()
                flash("Two-factor sign-in is on.", "success")
                return _private(render_template("admin/recovery_codes.html", codes=codes))
            form.code.errors.append("That code does not match. Check the time on your phone.")
    secret = two_factor.start_setup(me)
    db.session.commit()
    uri = two_factor.provisioning_uri(me, get_setting("site_title"))
    return _private(
        render_template(
            "admin/two_factor_setup.html",
            form=form,
            secret=secret,
            qr_code=two_factor.qr_code_data_uri(uri),
        )
    )


def _private(html: str):
    """Secrets and recovery codes must not stay in a browser or proxy cache."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/two-factor/disable", methods=["POST"])
@password_check_limit
def disable_two_factor():
    me = _me()
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        if verify_password(me.password_hash, form.disable_password.data):
            two_factor.disable(me, current_actor())
            db.session.commit()
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("admin.profile"))
        form.disable_password.errors.append("The password is not correct.")
    return _render_profile(disable_form=form)
