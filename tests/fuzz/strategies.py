"""What the fuzz tests type: text in every script the centre meets and the characters that come
with it unasked, and the budget of examples.

The budget: the same examples on every run and machine (derandomize), so that CI fails again at
home, and no example database in the repository. FUZZ_EXAMPLES=5 (a factor) explores five times
as much, at random, and keeps what it finds under var/hypothesis (git-ignored) to try first next
time.
"""

from __future__ import annotations

import os
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
_EXPLORING = SCALE > 1


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        derandomize=not _EXPLORING,
        database=(
            DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[2] / "var" / "hypothesis")
            if _EXPLORING
            else None
        ),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )


# -- text ---------------------------------------------------------------------------------------

GEORGIAN = st.characters(min_codepoint=0x10D0, max_codepoint=0x10FF)
MTAVRULI = st.characters(min_codepoint=0x1C90, max_codepoint=0x1CBF)
LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("éüßøÅçñ")
CYRILLIC = st.characters(min_codepoint=0x0410, max_codepoint=0x044F)
RIGHT_TO_LEFT = (
    st.characters(min_codepoint=0x0621, max_codepoint=0x064A)  # Arabic
    | st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA)  # Hebrew
    | st.sampled_from("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # bidi marks
)
INVISIBLE = st.sampled_from("\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u3000")
# NUL aside: it is rare in real text and has a test of its own (explicit examples).
CONTROL = (
    st.characters(min_codepoint=0x01, max_codepoint=0x1F)
    | st.characters(min_codepoint=0x7F, max_codepoint=0x9F)
    | st.sampled_from("\u2028\u2029")
)
SYNTAX = st.sampled_from(",;\t\"'=+-@\\ <>&%{}")
EMOJI = st.sampled_from(["😀", "👩🏽‍💻", "🇬🇪", "\U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1"])

LETTERS = st.one_of(
    GEORGIAN, GEORGIAN, MTAVRULI, LATIN, LATIN, CYRILLIC, RIGHT_TO_LEFT, INVISIBLE, CONTROL, SYNTAX
)
# Emoji are several code points each (skin tones, flags, joined people): whole, or not at all.
TEXT = st.lists(LETTERS | EMOJI, max_size=30).map("".join)

# Values people and programs really put in cells and boxes, and a few meant to break something.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "ა" * 100_000,
        "ᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ",  # Mtavruli
        "ქუთაისის ცენტრი",
        "\u202eexe.txt",
        "שלום \u200fعالم",
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://example.com","x")',
        "+995 599 12 34 56",
        "-1",
        "@SUM(A1:A2)",
        "9" * 400,
        "1e308",
        "-0",
        "NaN",
        "Infinity",
        "NULL",
        "None",
        "\\N",
        "true",
        "2024-02-30",
        "0000-00-00",
        "<script>alert(1)</script>",
        "{{ 7|add:1 }}",
        "%(name)s %s {0}",
        "' OR 1=1 --",
        "a\r\nb",
        "\r",
        "\ufeff",
        "\u200b",
        "x" * 256,
    ]
)

ANY_TEXT = TEXT | NASTY
# NUL, which no text may hold (PostgreSQL refuses it), kept apart: in every cell it would have
# every file refused whole. Tests mix it in where one value at a time is checked.
WITH_NUL = st.sampled_from(["\x00", "ab\x00cd", "\x00" * 3])


def typed_text(value: str, *, multiline: bool = False) -> str:
    """What a text field keeps of `value`, restated from the rule (crm.validators.plain_text)
    rather than computed by it: control characters that are whitespace become a space (in a
    textarea: \\t, \\n and \\r stay, the others become \\n), other control characters and the
    byte-order mark go, NUL stays (to be refused). Then the field strips the ends."""
    kept = []
    for character in value:
        category = unicodedata.category(character)
        if character == "\x00":
            kept.append(character)
        elif character == "\ufeff" or (category == "Cc" and not character.isspace()):
            continue
        elif category in ("Cc", "Zl", "Zp"):
            if not multiline:
                kept.append(" ")
            else:
                kept.append(character if character in "\t\n\r" else "\n")
        else:
            kept.append(character)
    return "".join(kept).strip()


# -- checking answers ---------------------------------------------------------------------------


def answer(client, method: str, url: str, **kwargs):
    """The response of the real view, as a browser would get it: an exception anywhere (in the
    view, in the test client) fails the example with what it was, so hypothesis shrinks on it."""
    client.raise_request_exception = False
    shown = url if len(url) < 300 else f"{url[:300]}… ({len(url)} characters)"
    try:
        response = getattr(client, method)(url, **kwargs)
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        raise AssertionError(f"{method.upper()} {shown} raised {error!r}") from error
    if response.status_code >= 500:
        error = response.exc_info[1] if getattr(response, "exc_info", None) else None
        raise AssertionError(
            f"{method.upper()} {shown} answered {response.status_code}: {error!r}"
        ) from error
    return response


@contextmanager
def rolled_back():
    """One example's writes undone after it, so that examples do not see each other's rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
