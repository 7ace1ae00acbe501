"""Dates are stored in UTC and shown in the site's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from app.content.languages import locale_for

# Publish dates outside this range are typing mistakes; near year 1 or 9999 converting between
# timezones overflows ``datetime``, so nothing outside it is accepted.
MIN_YEAR = 1900
MAX_YEAR = 2200
DATE_RANGE_MESSAGE = f"Choose a date between the years {MIN_YEAR} and {MAX_YEAR}."


def in_accepted_range(moment: datetime) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def to_site_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` on the site's clock; total: a moment the zone cannot express stays in UTC."""
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (OverflowError, ValueError):
        return moment.astimezone(UTC)


def from_site_time(local: datetime, timezone: str) -> datetime:
    """Interpret a naive wall-clock time from a form as site time and return it in UTC.

    Raises ValueError outside ``MIN_YEAR``..``MAX_YEAR`` (forms check this first).
    """
    if not in_accepted_range(local):
        raise ValueError(DATE_RANGE_MESSAGE)
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@lru_cache(maxsize=4096)  # a page shows tens of dates, most of them repeated on the next page
def format_day(day: date, language: str = "en") -> str:
    """A day as people write it in ``language``: 'September 2, 2026', '2. September 2026',
    '2 septembre 2026' (Babel's long date format, from the Unicode CLDR)."""
    return format_date(day, format="long", locale=locale_for(language))


def format_long_date(moment: datetime, timezone: str, language: str = "en") -> str:
    """The day of ``moment`` on the site's clock, written as in ``language`` (``format_day``)."""
    return format_day(to_site_time(moment, timezone).date(), language)
