"""Georgian first: every user-facing string is in locale/ka, translated, compiled, never Mtavruli."""

import ast
import gettext
import re
from pathlib import Path

import pytest

from config.georgian_text import contains_mtavruli

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/ka/LC_MESSAGES/django.po"
MO = ROOT / "locale/ka/LC_MESSAGES/django.mo"
APPS = ["config", "crm", "network", "notifications", "api"]
TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
TRANSLATE_TAG = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy"}


def _unquote(lines):
    return "".join(ast.literal_eval(line) for line in lines)


def parse_po(path=PO):
    """[(msgid, msgstr, flags)] for every entry but the header; plural entries give their
    first form, with msgid_plural kept in flags as ("plural", text)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, parts, field = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgid", "msgstr")):
                field, rest = line.split(" ", 1)
                parts.setdefault(field, []).append(rest)
            elif line.startswith('"') and field:
                parts[field].append(line)
        msgid = _unquote(parts.get("msgid", []))
        if not msgid:
            continue
        msgstr = _unquote(parts.get("msgstr", parts.get("msgstr[0]", [])))
        if "msgid_plural" in parts:
            flags.add(("plural", _unquote(parts["msgid_plural"])))
            if not _unquote(parts.get("msgstr[1]", [])):
                msgstr = ""
        entries.append((msgid, msgstr, flags))
    return entries


CATALOG = parse_po()


def test_every_string_is_translated_and_none_is_fuzzy():
    untranslated = [msgid for msgid, msgstr, _ in CATALOG if not msgstr]
    fuzzy = [msgid for msgid, _, flags in CATALOG if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


def test_no_translation_uses_mtavruli():
    assert [msgid for msgid, msgstr, _ in CATALOG if contains_mtavruli(msgstr)] == []


def test_the_compiled_catalog_matches_the_po_file():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    def compiled_form(msgid, flags):
        plural = next((flag[1] for flag in flags if isinstance(flag, tuple)), None)
        return compiled.ngettext(msgid, plural, 1) if plural else compiled.gettext(msgid)

    stale = [msgid for msgid, msgstr, flags in CATALOG if compiled_form(msgid, flags) != msgstr]
    assert stale == [], "run `make messages` (compilemessages) and commit django.mo"


def _strings_in_templates():
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8")):
                yield template.name, match.group(2)


def _strings_in_python():
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            if "migrations" in source.parts:
                continue
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT_NAMES
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    yield source.name, node.args[0].value


@pytest.mark.parametrize("finder", [_strings_in_templates, _strings_in_python])
def test_every_marked_string_is_in_the_catalog(finder):
    known = {msgid for msgid, _, _ in CATALOG}
    missing = sorted({(where, text) for where, text in finder() if text not in known})
    assert missing == [], "run `make messages` and translate the new strings"
