"""One structured line per request (method, path, status, duration, user, request id), no secrets."""

from __future__ import annotations

import json
import logging

from app.accounts.tokens import issue_token
from app.extensions import db
from app.models import TokenPurpose
from app.request_log import LOGGER_NAME, JsonLineFormatter
from tests.conftest import login
from tests.factories import make_user


def _lines(caplog) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == LOGGER_NAME]


def test_each_request_logs_one_structured_line(client, caplog):
    user = make_user(email="author@example.org")
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        login(client, "author@example.org")
        caplog.clear()
        response = client.get("/admin/?status=draft", headers={"X-Request-ID": "proxy-abc-123"})
        client.get("/no-such-page/")
    first, second = _lines(caplog)
    assert first == {
        "request_id": "proxy-abc-123",
        "method": "GET",
        "path": "/admin/",
        "status": 200,
        "duration_ms": first["duration_ms"],
        "user_id": user.id,
        "ip": "127.0.0.1",
    }
    assert first["duration_ms"] >= 0
    assert response.headers["X-Request-ID"] == "proxy-abc-123"
    assert second["status"] == 404 and len(second["request_id"]) == 32
    line = JsonLineFormatter().format(caplog.records[-1])
    assert json.loads(line)["path"] == "/no-such-page/"


def test_tokens_and_passwords_never_reach_the_log(client, caplog):
    user = make_user(email="author@example.org")
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    with caplog.at_level(logging.DEBUG):
        client.get(f"/password/reset/{raw}")
        login(client, "author@example.org", "a long enough password")
        client.get("/login?next=/secret-next-value")
    text = "\n".join(record.getMessage() for record in caplog.records)
    text += "\n".join(json.dumps(getattr(r, "fields", {})) for r in caplog.records)
    assert raw not in text
    assert "a long enough password" not in text
    assert "secret-next-value" not in text
    assert "/password/reset/<token>" in text
