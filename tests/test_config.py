"""Configuration: safe defaults for a laptop, fail closed in production."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import create_app
from app.config import ConfigError, build_config
from app.extensions import db


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config(tmp_path, "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        build_config(tmp_path, "production")


def test_production_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = build_config(tmp_path, "production")
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] == "x" * 40


def test_development_generates_and_keeps_a_secret_key_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build_config(tmp_path, "development")["SECRET_KEY"]
    second = build_config(tmp_path, "development")["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/broadside")
    monkeypatch.setenv("SITE_TITLE", "Stimme der Familien")
    monkeypatch.setenv("SITE_TIMEZONE", "Europe/Berlin")
    config = build_config(tmp_path, "development")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/broadside"
    assert config["SITE_TITLE"] == "Stimme der Familien"
    assert config["SITE_TIMEZONE"] == "Europe/Berlin"


def test_default_database_is_sqlite_in_instance_with_wal(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'broadside.sqlite3'}"
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_site_title_appears_on_every_page(app_factory):
    app = app_factory(SITE_TITLE="Stimme der Familien", SITE_TAGLINE="Nachrichten und Briefe")
    html = app.test_client().get("/").text
    assert "<title>Stimme der Familien</title>" in html
    assert "Nachrichten und Briefe" in html


def test_client_address_comes_from_the_proxy_only_when_trusted(app_factory):
    def seen_address(app) -> str:
        @app.get("/whoami")
        def whoami():
            from flask import request

            return request.remote_addr or ""

        return (
            app.test_client()
            .get(
                "/whoami",
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
            .text
        )

    assert seen_address(app_factory()) == "10.0.0.2"
    assert seen_address(app_factory(TRUSTED_PROXIES=1)) == "203.0.113.9"
