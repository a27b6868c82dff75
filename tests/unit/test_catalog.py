"""The message catalog: both languages have the same keys and the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOGS, normalize_locale, t


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_every_language() -> None:
    en = set(CATALOGS["en"])
    for lang, catalog in CATALOGS.items():
        assert set(catalog) == en, f"{lang}: missing {sorted(en - set(catalog))}, extra {sorted(set(catalog) - en)}"


@pytest.mark.parametrize("key", sorted(CATALOGS["en"]))
def test_placeholders_match_and_strings_are_not_empty(key: str) -> None:
    expected = _placeholders(CATALOGS["en"][key])
    for lang, catalog in CATALOGS.items():
        assert catalog[key].strip(), f"{lang}:{key} is empty"
        assert _placeholders(catalog[key]) == expected, f"{lang}:{key} placeholders differ"


# Identical in both languages on purpose: brand and language names, and chart labels (matplotlib's bundled
# font has no Japanese glyphs, so chart text stays English rather than rendering as empty boxes).
SAME_ON_PURPOSE = {"stream.youtube", "stream.meet", "language.en", "language.ja"}


def _words(template: str) -> str:
    """What is left to translate once emoji codes, placeholders and markup are removed."""
    import re

    stripped = re.sub(r":[a-z0-9_+-]+:|\{[a-z_]+\}|[*~_`<>|.·\n]", "", template)
    return re.sub(r"\s+", "", stripped)


def test_japanese_is_actually_translated() -> None:
    untranslated = [
        key
        for key, text in CATALOGS["en"].items()
        if CATALOGS["ja"][key] == text and _words(text) and key not in SAME_ON_PURPOSE and not key.startswith("chart.")
    ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("ja-JP", "ja"), ("ja", "ja"), ("en-US", "en"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en"), ("", "en")],
)
def test_slack_locales_map_to_a_catalog(locale: str | None, lang: str) -> None:
    assert normalize_locale(locale) == lang


def test_formatting_fills_placeholders_and_falls_back_to_english() -> None:
    assert t("ja", "error.title.too_long", max=150) == "タイトルは150文字以内にしてください。"
    assert t("xx", "error.title.empty") == "Give the talk a title."
