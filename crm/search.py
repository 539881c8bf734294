"""The search key: names made comparable across Georgian and Latin script.

Georgian is transliterated by the national system of 2002 (anyascii implements it, Mtavruli
included), then case-folded; apostrophes (the ejective marks) and punctuation are dropped so
that `tkibuli`, `t'q'ibuli` and `ტყიბული` meet, and whitespace is collapsed. The same function
normalises what a user types, so a query matches the stored key as a substring.
"""

from __future__ import annotations

import re

from anyascii import anyascii

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def search_key(*parts: str | None) -> str:
    text = " ".join(part for part in parts if part)
    folded = anyascii(text).casefold().replace("'", "").replace("`", "")
    return _NOT_WORD.sub(" ", folded).strip()
