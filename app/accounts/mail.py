"""Sending mail with the standard library's smtplib; settings come from the app config."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from flask import render_template

from app.models import TokenPurpose

if TYPE_CHECKING:
    from app.models import User


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    sender: str

    @classmethod
    def from_config(cls, config: Any) -> MailSettings | None:
        """None when no ``MAIL_SERVER`` is configured: links are then shown to the admin."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            username=config.get("MAIL_USERNAME", ""),
            password=config.get("MAIL_PASSWORD", ""),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            sender=config["MAIL_FROM"],
        )


@dataclass(frozen=True)
class LinkMail:
    to: str
    subject: str
    body: str


def link_mail(
    user: User,
    purpose: TokenPurpose,
    link: str,
    *,
    site_title: str,
    inviter: User | None = None,
) -> LinkMail:
    """The invitation or password-reset message carrying ``link``: the one place it is worded.

    Needs an app context (the text is a template under ``templates/mail/``), not a request.
    """
    if purpose == TokenPurpose.INVITATION:
        template, subject = "mail/invitation.txt", f"You are invited to {site_title}"
    else:
        template, subject = "mail/password_reset.txt", f"Reset your password for {site_title}"
    body = render_template(template, user=user, link=link, site_title=site_title, inviter=inviter)
    return LinkMail(to=user.email, subject=subject, body=body)


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Send one message; any failure, building it included, is a MailError for the caller."""
    try:
        message = EmailMessage()
        message["From"] = settings.sender
        message["To"] = to
        # A header is one line: a site title saved with a line break must not fail the send
        # (or, worse, add headers).
        message["Subject"] = " ".join(subject.split())
        message.set_content(body)
    except (ValueError, TypeError) as error:
        raise MailError(f"could not build the message: {error}") from error
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=15) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"could not send mail via {settings.server}: {error}") from error


def send_mail_in_background(
    settings: MailSettings,
    to: str,
    subject: str,
    body: str,
    on_error: Callable[[MailError], None],
) -> threading.Thread:
    """Send without holding up the response.

    Used where the answer must not reveal whether mail was sent: a request that talks to an
    SMTP server takes visibly longer than one that does not.
    """

    def deliver() -> None:
        try:
            send_mail(settings, to, subject, body)
        except MailError as error:
            on_error(error)

    thread = threading.Thread(target=deliver, name="broadside-mail", daemon=True)
    thread.start()
    return thread
