"""Money in GEL: Decimal with two places (tetri), never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TETRI = Decimal("0.01")
ZERO = Decimal("0.00")
STANDARD_VAT_RATE = Decimal("18.00")


def round_money(amount: Decimal) -> Decimal:
    """Round to whole tetri, halves away from zero, as Georgian accounting does."""
    return Decimal(amount).quantize(TETRI, rounding=ROUND_HALF_UP)
