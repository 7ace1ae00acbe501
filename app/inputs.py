"""The one place numbers and text from URLs and forms are judged before any code uses them.

``str.isdigit`` accepts ``²`` and ``١٢٣``, ``int`` accepts the latter and any length; neither
is what a URL means. NUL cannot be stored by PostgreSQL, and other control characters are
never typed by people. Everything here is pure: no request objects.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, ValidationError

# Ids are 32-bit integers on both databases; nothing a URL counts goes beyond that.
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
# C0 and C1 controls and DEL. Tab, line feed and carriage return are allowed in form text
# (textareas); URLs and query strings allow none.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]")


def is_ascii_digits(value: str | None, *, max_digits: int = 10) -> bool:
    return bool(value) and len(value) <= max_digits and value.isascii() and value.isdigit()


def parse_int(value: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as an int if it is ASCII digits within ``minimum..maximum``, else None."""
    if value is None or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROL_EXCEPT_WHITESPACE if multiline else _CONTROL
    return pattern.search(value) is not None


def has_line_break(value: str) -> bool:
    """For single-line values (mail subjects, titles): CR, LF and Unicode line separators."""
    return _LINE_BREAKS.search(value) is not None


def is_printable_line(value: str) -> bool:
    return not has_control_characters(value) and not has_line_break(value)


class AsciiIntConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, at most ``MAX_ID`` (a 404 beyond)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str) -> int:
        number = parse_int(value, minimum=self.min or 0, maximum=self.max)
        if number is None:
            raise ValidationError()
        return number
