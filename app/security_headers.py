"""Security headers on every response, and no shared caching of anything personal.

A small ``after_request`` rather than Flask-Talisman: the policy is a handful of fixed headers,
and one function shows all of it. Templates have no inline script or ``on*`` handlers, so the
Content-Security-Policy allows script only from this site's own files.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Authors embed images from other sites; the QR code for two-factor setup is a data: URI.
        "img-src 'self' data: https: http:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
)
HSTS = "max-age=31536000; includeSubDomains"
PRIVATE = "private, no-store"
# Blueprints whose every page is personal or carries a form token, signed in or not.
PRIVATE_BLUEPRINTS = frozenset({"admin", "auth"})


def init_security_headers(app: Flask) -> None:
    # Set on every response, replacing a view's own value (but the referrer policy, a default).
    fixed = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if app.config.get("ENV_NAME") == "production":
        fixed.append(("Strict-Transport-Security", HSTS))
    fixed = [(name.lower(), name, value) for name, value in fixed]
    referrer = ("Referrer-Policy", "strict-origin-when-cross-origin")

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        # One look at the response's few headers, then appends: setting each header by name
        # scanned them all once per header (and a miss raised and caught a KeyError).
        present = {name.lower() for name, _ in headers}
        for lowered, name, value in fixed:
            if lowered in present:
                headers[name] = value
            else:
                headers.add(name, value)
        if "referrer-policy" not in present:
            headers.add(*referrer)
        if request.blueprint in PRIVATE_BLUEPRINTS or (
            request.endpoint != "static" and _signed_in()
        ):
            # Overrides any public caching: a shared cache must never keep a staff page.
            headers["Cache-Control"] = PRIVATE
            headers.pop("Expires", None)
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
            response.vary.add("Cookie")
        return response


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # the user could not be loaded (database down): assume personal
        return True
