"""Signing in and out, two-factor codes, forgotten passwords and accepting invitations."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from app.accounts import staff
from app.accounts.mail import MailSettings, link_mail, send_mail_in_background
from app.accounts.tokens import find_valid_token
from app.accounts.two_factor import verify_sign_in_code
from app.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
    TwoFactorForm,
)
from app.auth.sessions import current_actor, external_url, load_user, sign_in
from app.content.audit import record
from app.content.settings import get_setting
from app.extensions import db, limiter
from app.models import TokenPurpose, User

bp = Blueprint("auth", __name__)

LOGIN_FAILED_MESSAGE = "That email and password do not match an active account."
TWO_FACTOR_FAILED_MESSAGE = "That code is not valid. Check your authenticator app and try again."
RESET_SENT_MESSAGE = (
    "If an account uses that email, a link to choose a new password is on its way. "
    "The link works for one hour."
)
PENDING_TWO_FACTOR = "pending_two_factor"
PENDING_TWO_FACTOR_SECONDS = 300
# A one-time link's token, moved from the address into the session on the first visit (as
# Django's reset views do): the form page's address then holds no secret, so the browser can send
# the Referer header that Flask-WTF's CSRF check requires on HTTPS, and no token reaches a
# Referer, the browser history or an access log.
OPEN_LINK_KEY = "open_link"


def safe_next_url(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


# Throttling: every limit is per client address and, separately, per account, so neither one
# address trying many accounts nor many addresses trying one account get far.


def _config_limit(name: str):
    return lambda: current_app.config[name]


def _submitted_email_key() -> str:
    return "account:" + User.normalise_email(request.form.get("email", ""))[:254]


def _pending_user_key() -> str:
    pending = session.get(PENDING_TWO_FACTOR) or {}
    return "account:" + str(pending.get("user", request.remote_addr)).partition(":")[0]


@bp.after_request
def keep_tokens_out_of_referers(response):
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_config_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
@limiter.limit(
    _config_limit("LOGIN_ACCOUNT_RATE_LIMIT"), key_func=_submitted_email_key, methods=["POST"]
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.posts"))
    form = LoginForm()
    if form.validate_on_submit():
        user = staff.check_password_sign_in(form.email.data, form.password.data, current_actor())
        next_url = safe_next_url(request.args.get("next"))
        if user is None:
            db.session.commit()
            flash(LOGIN_FAILED_MESSAGE, "error")
            return render_template("auth/login.html", form=form), 200
        if user.two_factor_enabled:
            # Not signed in yet: the second step needs this browser to prove the code too.
            session[PENDING_TWO_FACTOR] = {
                "user": user.get_id(),
                "remember": bool(form.remember.data),
                "next": next_url,
                "started": time.time(),
            }
            return redirect(url_for("auth.two_factor"))
        sign_in(user, remember=form.remember.data, method="password")
        db.session.commit()
        return redirect(next_url or url_for("admin.posts"))
    return render_template("auth/login.html", form=form)


def _pending_two_factor_user() -> User | None:
    pending = session.get(PENDING_TWO_FACTOR)
    if not pending or time.time() - pending.get("started", 0) > PENDING_TWO_FACTOR_SECONDS:
        session.pop(PENDING_TWO_FACTOR, None)
        return None
    user = load_user(pending.get("user", ""))
    if user is None or not user.two_factor_enabled:
        session.pop(PENDING_TWO_FACTOR, None)
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_config_limit("TWO_FACTOR_RATE_LIMIT"), methods=["POST"])
@limiter.limit(
    _config_limit("TWO_FACTOR_ACCOUNT_RATE_LIMIT"), key_func=_pending_user_key, methods=["POST"]
)
def two_factor():
    user = _pending_two_factor_user()
    if user is None:
        flash("Please log in again.", "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        method = verify_sign_in_code(user, form.code.data)
        if method is not None:
            pending = session.pop(PENDING_TWO_FACTOR)
            if method == "recovery_code":
                record("two_factor.recovery_code_used", current_actor(), user)
            sign_in(user, remember=pending["remember"], method=method)
            db.session.commit()
            return redirect(pending.get("next") or url_for("admin.posts"))
        record("login.two_factor_failure", current_actor(), user)
        db.session.commit()
        flash(TWO_FACTOR_FAILED_MESSAGE, "error")
    return render_template("auth/two_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        # Server-side: a copy of this session's cookie (or the remember cookie) stops working.
        staff.end_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        flash("You have been logged out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_config_limit("RESET_RATE_LIMIT"), methods=["POST"])
@limiter.limit(
    _config_limit("RESET_ACCOUNT_RATE_LIMIT"), key_func=_submitted_email_key, methods=["POST"]
)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        result = staff.request_password_reset(form.email.data, current_actor())
        db.session.commit()
        if result is not None:
            user, raw = result
            _mail_reset_link(user, external_url("auth.reset_password_link", token=raw))
        flash(RESET_SENT_MESSAGE, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _mail_reset_link(user: User, link: str) -> None:
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        current_app.logger.warning(
            "Password reset asked for %s, but MAIL_SERVER is not set: an admin can send a "
            "reset link from the Users page.",
            user.email,
        )
        return
    mail = link_mail(user, TokenPurpose.PASSWORD_RESET, link, site_title=get_setting("site_title"))
    logger = current_app.logger
    # Sent after the answer: the time to answer must not tell whether the email has an account.
    send_mail_in_background(
        settings,
        mail.to,
        mail.subject,
        mail.body,
        on_error=lambda error: logger.error("Could not send the password reset mail: %s", error),
    )


def _open_link(token: str, purpose: TokenPurpose, form_endpoint: str, what: str):
    """The first visit of a one-time link: keep its token in the session and show the form at an
    address without it. The token is not used up here; the form's POST does that."""
    if find_valid_token(token, purpose) is None:
        return render_template("auth/link_invalid.html", what=what), 404
    session[OPEN_LINK_KEY] = {"purpose": purpose.value, "token": token}
    return redirect(url_for(form_endpoint), code=303)


def _link_row(purpose: TokenPurpose):
    """The still-valid token row of the link this visitor opened, if any."""
    held = session.get(OPEN_LINK_KEY) or {}
    if held.get("purpose") != purpose.value or not isinstance(held.get("token"), str):
        return None
    return find_valid_token(held["token"], purpose)


@bp.route("/password/reset/<token>")
def reset_password_link(token: str):
    return _open_link(token, TokenPurpose.PASSWORD_RESET, "auth.reset_password", "password reset")


@bp.route("/password/choose", methods=["GET", "POST"])
def reset_password():
    row = _link_row(TokenPurpose.PASSWORD_RESET)
    if row is None:
        return render_template("auth/link_invalid.html", what="password reset"), 404
    form = ResetPasswordForm()
    form.account_email = row.user.email
    if form.validate_on_submit():
        try:
            staff.reset_password(row, form.password.data, current_actor())
        except staff.AccountRuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("auth/link_invalid.html", what="password reset"), 409
        db.session.commit()
        logout_user()
        session.pop(OPEN_LINK_KEY, None)
        flash("Your password has been changed. Log in with the new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=row.user)


@bp.route("/invitation/<token>")
def invitation_link(token: str):
    row = find_valid_token(token, TokenPurpose.INVITATION)
    if row is None or not row.user.active:
        return render_template("auth/link_invalid.html", what="invitation"), 404
    return _open_link(token, TokenPurpose.INVITATION, "auth.accept_invitation", "invitation")


@bp.route("/invitation/accept", methods=["GET", "POST"])
def accept_invitation():
    row = _link_row(TokenPurpose.INVITATION)
    if row is None or not row.user.active:
        return render_template("auth/link_invalid.html", what="invitation"), 404
    form = (
        AcceptInvitationForm()
        if request.method == "POST"
        else AcceptInvitationForm(name=row.user.display_name)
    )
    form.account_email = row.user.email
    if form.validate_on_submit():
        try:
            user = staff.accept_invitation(row, form.name.data, form.password.data, current_actor())
        except staff.AccountRuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("auth/link_invalid.html", what="invitation"), 409
        logout_user()
        session.pop(OPEN_LINK_KEY, None)
        sign_in(user, remember=False, method="invitation")
        db.session.commit()
        flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
        return redirect(url_for("admin.posts"))
    return render_template("auth/accept_invitation.html", form=form, user=row.user)
