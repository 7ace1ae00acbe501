"""Language codes (BCP 47), their names in their own language, and their writing direction."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

# Offered first in language pickers: the languages our sites publish in most.
COMMON_LANGUAGES = ["en", "de", "fr", "fa", "ar", "es", "it", "tr", "ru", "ku", "he", "ur"]


def _parse(code: str) -> Locale | None:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


@lru_cache(maxsize=256)
def locale_for(code: str) -> Locale:
    """Babel's locale for a language code, English for a code it does not know."""
    return _parse(code) or Locale("en")


def normalise_language(code: str) -> str:
    """``pt_br`` / ``PT-br`` -> ``pt-BR``; an unknown code raises ``ValueError``."""
    locale = _parse(code.strip())
    if locale is None:
        raise ValueError(f"unknown language code {code!r}")
    parts = [locale.language]
    if locale.script:
        parts.append(locale.script)
    if locale.territory:
        parts.append(locale.territory)
    return "-".join(parts)


def is_valid_language(code: str) -> bool:
    return _parse(code.strip()) is not None if code else False


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """The language's own name for itself: ``de`` -> ``Deutsch``, ``fa`` -> ``فارسی``."""
    locale = _parse(code)
    if locale is None:
        return code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=256)
def text_direction(code: str) -> str:
    """``rtl`` for right-to-left scripts (Persian, Arabic, Hebrew ...), otherwise ``ltr``."""
    locale = _parse(code)
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"


def language_choices(extra: list[str] | None = None) -> list[tuple[str, str]]:
    codes = list(dict.fromkeys([*(extra or []), *COMMON_LANGUAGES]))
    return [(code, f"{language_name(code)} ({code})") for code in codes]


@lru_cache(maxsize=1)
def rtl_language_subtags() -> tuple[str, ...]:
    """Every primary language subtag Babel knows to be written right to left (``fa``, ``ar`` ...)."""
    from babel.localedata import locale_identifiers

    # Bare language locales only: ``az_Arab`` is right to left, but Azerbaijani (``az``) is not.
    return tuple(
        sorted(
            identifier
            for identifier in locale_identifiers()
            if "_" not in identifier and text_direction(identifier) == "rtl"
        )
    )
