from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_NINE_DIGITS = re.compile(r"^\d{9}$")

# The oldest CSOs active in Georgia were registered in the late 19th century.
EARLIEST_FOUNDING_YEAR = 1850


def validate_identification_code(value: str) -> None:
    """The NAPR identification code of a legal entity: exactly nine digits."""
    if not _NINE_DIGITS.match(value or ""):
        raise ValidationError(
            _("An identification code has exactly 9 digits (e.g. 212345678)."),
            code="invalid_identification_code",
        )


def validate_founding_year(value: int) -> None:
    this_year = timezone.localdate().year
    if not EARLIEST_FOUNDING_YEAR <= value <= this_year:
        raise ValidationError(
            _("The founding year must be between %(first)s and %(last)s."),
            code="invalid_founding_year",
            params={"first": EARLIEST_FOUNDING_YEAR, "last": this_year},
        )


# Characters nobody types, which come with pasted or exported text: Word's manual line break
# (\x0b), separators and escapes from other systems, the C1 controls of a misread encoding, a
# byte-order mark mid-text. Spreadsheets (openpyxl), XML and mail headers refuse them, and they
# are invisible on the page. Whitespace among them becomes a space (a line break, in text of
# several lines); the rest goes. NUL stays, for Django's own validator to refuse with its message:
# a NUL means a damaged or binary input, not text to tidy.
_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_LINE_BREAKS = re.compile(f"[\t\n\r{_BREAKS}]")
_OTHER_BREAKS = re.compile(f"[{_BREAKS}]")
_UNTYPABLE = re.compile("[\x01-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufeff]")
_ANY = re.compile("[\x01-\x1f\x7f-\x9f\ufeff\u2028\u2029]")  # most text has none: one look


def plain_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control characters: in one line, tabs and line breaks as spaces; in
    several lines (a textarea), tabs, \\n and \\r kept and the other breaks as \\n. Letters of any
    script, right-to-left marks and zero-width joiners stay as typed."""
    if not _ANY.search(value):
        return value
    value = _UNTYPABLE.sub("", value)
    if multiline:
        return _OTHER_BREAKS.sub("\n", value)
    return _LINE_BREAKS.sub(" ", value)
