"""Dates are stored in UTC and shown in the site's timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_site_time(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def from_site_time(local: datetime, timezone: str) -> datetime:
    """Interpret a naive wall-clock time from a form as site time and return it in UTC."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def format_long_date(moment: datetime, timezone: str) -> str:
    """'January 6, 2020' in the site's timezone."""
    local = to_site_time(moment, timezone)
    return f"{local:%B} {local.day}, {local.year}"
