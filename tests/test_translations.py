"""Every string the pages show has its Chinese, and the compiled catalogues the service reads are current."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "app" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def _marked_strings() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def test_every_marked_string_has_its_chinese():
    catalogue = _catalogue("zh")
    missing = sorted(text for text in _marked_strings()
                     if not (catalogue.get(text) and all(_strings(catalogue.get(text).string))))
    assert not missing, f"no Chinese in app/translations/zh (run scripts/translations.sh, then translate): {missing}"


def test_the_compiled_catalogues_match_their_sources():
    for language in ("zh", "en"):
        compiled = BytesIO()
        write_mo(compiled, _catalogue(language), use_fuzzy=True)
        compiled.seek(0)
        with open(CATALOGUES / language / "LC_MESSAGES" / "messages.mo", "rb") as mo:
            shipped = read_mo(mo)
        expected = read_mo(compiled)
        assert {m.id: m.string for m in shipped if m.id} == {m.id: m.string for m in expected if m.id}, (
            f"app/translations/{language}/LC_MESSAGES/messages.mo is stale: run scripts/translations.sh")


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)
