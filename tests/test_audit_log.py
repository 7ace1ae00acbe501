"""The audit log records sign-ins, account changes and publishing; admins browse and filter it."""

from __future__ import annotations

from datetime import UTC, datetime

from app.content.audit import Actor, record
from app.content.settings import save_settings
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import login
from tests.factories import make_user

# The arrows are drawn by CSS (mirrored in right-to-left pages); the links carry rel.
OLDER = 'rel="next"'
NEWER = 'rel="prev"'


def test_sign_ins_and_failures_are_recorded_with_the_address(client):
    make_user(email="author@example.org")
    login(client, "author@example.org", "wrong password here")
    login(client, "nobody@example.org", "wrong password here")
    login(client, "author@example.org")
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["login.failure", "login.failure", "login.success"]
    assert events[0].target_label == "author@example.org"
    assert events[1].details["email"] == "nobody@example.org" and events[1].target_id is None
    assert events[2].actor_label == "author@example.org"
    assert all(e.ip == "127.0.0.1" for e in events)


def test_admin_filters_the_log_by_action_and_actor(client):
    admin = make_user("admin", email="admin@example.org")
    author = make_user(email="author@example.org")
    login(client, "author@example.org", "wrong password here")
    login(client, "admin@example.org")
    by_action = client.get("/admin/audit?action=login.failure").text
    assert "Failed login" in by_action and "Logged in" not in by_action.split("<tbody>")[1]
    by_actor = client.get(f"/admin/audit?actor={admin.id}").text.split("<tbody>")[1]
    assert "admin@example.org" in by_actor and "Failed login" not in by_actor
    nothing = client.get(f"/admin/audit?actor={author.id}&action=account.deleted").text
    assert "Nothing recorded for this filter." in nothing


def test_log_is_paginated_newest_first(app_factory):
    app = app_factory(AUDIT_EVENTS_PER_PAGE=3)
    client = app.test_client()
    with app.app_context():
        make_user("admin", email="admin@example.org")
        for n in range(4):
            record("settings.changed", Actor(label=f"script-{n}"), None, {"n": n})
        db.session.commit()
    login(client, "admin@example.org")
    first = client.get("/admin/audit").text
    assert "Logged in" in first and "script-3" in first and "script-1" not in first
    assert OLDER in first
    second = client.get("/admin/audit?page=2").text
    assert "script-1" in second and "script-0" in second


def test_the_app_offers_no_way_to_change_the_log(app):
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert [r.endpoint for r in rules] == ["admin.audit_log"]
    assert rules[0].methods - {"HEAD", "OPTIONS"} == {"GET"}


def test_times_are_shown_on_the_sites_clock(client):
    """An admin in Berlin reads 13:00 CET for something done at 12:00 UTC."""
    save_settings({"site_timezone": "Europe/Berlin"})
    make_user("admin", email="admin@example.org")
    event = record("settings.changed", Actor(label="script"), None, {"n": 1})
    event.created_at = datetime(2026, 11, 27, 12, 0, 5, tzinfo=UTC)
    db.session.commit()
    login(client, "admin@example.org")
    page = client.get("/admin/audit?action=settings.changed").text
    assert "Time (Europe/Berlin)" in page
    assert ">2026-11-27 13:00:05 CET</time>" in page and ">2026-11-27 12:00:05" not in page
