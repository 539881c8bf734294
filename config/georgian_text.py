"""Never upper-case Georgian.

Since Unicode 11 Georgian has capitals (Mtavruli) that read wrongly in running text. Django's
`capfirst` (used by the admin, model forms and the `capfirst` filter) calls `str.upper()` on the
first letter, which turns "ორგანიზაცია" into "Ორგანიზაცია". Both implementations are imported by
name all over Django, so rebinding the module attribute would not reach them; instead we swap
the code object of the undecorated functions, which every reference shares.
"""

from __future__ import annotations

# Georgian Mkhedruli and Asomtavruli, Nuskhuri (U+10A0..U+10FF): letters left as written.
GEORGIAN_BLOCK = ("\u10a0", "\u10ff")
MTAVRULI_BLOCK = ("\u1c90", "\u1cbf")


def contains_mtavruli(text: str) -> bool:
    low, high = MTAVRULI_BLOCK
    return any(low <= ch <= high for ch in text)


def _capfirst_except_georgian(x):
    # Runs with django.utils.text's (or defaultfilters') globals: builtins only.
    if not x:
        return x
    if not isinstance(x, str):
        x = str(x)
    if "\u10a0" <= x[0] <= "\u10ff":
        return x
    return x[0].upper() + x[1:]


def keep_georgian_lowercase() -> None:
    from django.template import defaultfilters
    from django.utils import text

    for decorated in (text.capfirst, defaultfilters.capfirst):
        original = decorated
        while hasattr(original, "__wrapped__"):
            original = original.__wrapped__
        original.__code__ = _capfirst_except_georgian.__code__
