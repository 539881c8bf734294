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
