"""The message catalog: both languages have the same keys and the same placeholders."""

from __future__ import annotations

import re
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


# The Japanese style guide, checked on every string -------------------------------------------------------------------

JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e「」『』]"
KANA_OR_KANJI = r"[\u3040-\u30ff\u3400-\u9fff]"


def _ja_strings() -> list[tuple[str, str]]:
    return [(key, text) for key, text in CATALOGS["ja"].items() if not key.startswith("chart.")]


def _offending(pattern: str) -> list[str]:
    import re

    return [f"{key}: {text}" for key, text in _ja_strings() if re.search(pattern, text)]


def test_japanese_uses_full_width_punctuation_next_to_japanese_text() -> None:
    # An ASCII colon, comma, full stop, ! or ? right after Japanese text; ASCII brackets around it.
    assert _offending(KANA_OR_KANJI + r"[:,!?]") == []
    assert _offending(KANA_OR_KANJI + r"\.(?!\.)") == []
    assert _offending(r"\((?=" + KANA_OR_KANJI + r")|(?<=" + KANA_OR_KANJI + r")\)") == []


def test_japanese_counts_have_no_space_before_the_counter() -> None:
    assert _offending(r"\}\s+(人|件|分|票|時間|日|文字|秒)") == []
    assert _offending(r"\d\s+(人|件|分|票|時間|日|文字|秒)") == []


def test_japanese_titles_are_quoted_not_bolded_next_to_kana() -> None:
    """Slack does not bold `*title*` when it touches kana: titles inside a sentence go in 「」."""
    assert _offending(r"\*\{title\}\*\s*" + JAPANESE) == []
    assert _offending(JAPANESE + r"\s*\*\{title\}\*") == []


@pytest.mark.parametrize(
    ("term", "why"),
    [
        ("告知", "the announcement is お知らせ"),
        ("配信中", "a Meet or Zoom meeting is 開催中, not broadcast"),
        ("ランチ発表", "the programme is ランチ勉強会; a talk is 発表"),
        ("とても良い", "the scale is 不満／やや不満／普通／満足／大変満足"),
        ("最高", "the scale is 不満／やや不満／普通／満足／大変満足"),
        ("共有すると選ばない", "ungrammatical: 名前の共有を選ばない限り"),
    ],
)
def test_japanese_glossary(term: str, why: str) -> None:
    assert _offending(term) == [], why


def test_benkyoukai_names_only_the_programme() -> None:
    """勉強会 is the programme (ランチ勉強会); one talk is a 発表 (「勉強会を編集」 edits a talk, so it is wrong)."""
    assert _offending(r"(?<!ランチ)勉強会") == []


SCALE = {
    "en": ("Dissatisfied", "Somewhat dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
    "ja": ("不満", "やや不満", "普通", "満足", "大変満足"),
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_one_rating_scale_in_the_dm_and_the_form(lang: str) -> None:
    words = SCALE[lang]
    for n, word in enumerate(words, start=1):
        assert t(lang, f"survey.rating.{n}") == f"{n} · {word}"
    scale = t(lang, "survey.dm.scale").lower()
    assert f"1 = {words[0].lower()}" in scale.replace("＝", " = ")
    assert f"5 = {words[4].lower()}" in scale.replace("＝", " = ")


def test_no_user_facing_string_carries_a_raw_error_code() -> None:
    """Codes go to the log and `lunchlearn doctor`; people read what happened and what to do."""
    for lang, catalog in CATALOGS.items():
        for key, text in catalog.items():
            assert not _placeholders(text) & {"error", "detail"}, f"{lang}:{key}"


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("ratelimited", "rate_limited"),
        ("restricted_action", "restricted"),
        ("not_in_channel", "not_in_channel"),
        ("missing_scope", "setup"),
        ("expired_trigger_id", "expired"),
        ("ReadTimeout", "unavailable"),  # no answer from Slack: the gateway passes the exception's name
        ("http_503", "unavailable"),
        ("something_new", "other"),
    ],
)
def test_slack_codes_become_sentences_in_both_languages(code: str, family: str) -> None:
    from bot.views.problems import slack_problem, slack_problem_key

    assert slack_problem_key(code) == f"problem.slack.{family}"
    for lang in CATALOGS:
        assert code not in slack_problem(lang, code)


def test_counted_phrases_come_in_pairs_and_english_singulars_are_singular() -> None:
    # tn() picks `.one` or `.other`; a missing half would fall back to a KeyError at runtime, and a ".one" that
    # still says "1 answers" / "1 questions were" is the plural bug the pair exists to prevent.
    for lang, catalog in CATALOGS.items():
        for key in catalog:
            stem, _, form = key.rpartition(".")
            if form in ("one", "other") and "{count}" in catalog[key]:
                twin = f"{stem}.{'other' if form == 'one' else 'one'}"
                assert twin in catalog, f"{lang}: {key} has no {twin}"
    for key, text in CATALOGS["en"].items():
        if key.endswith(".one"):
            rendered = text.replace("{count}", "1")
            assert not re.search(r"\b1 (answers|questions|people|votes|days|hours|minutes|talks)\b", rendered), key
            assert " were " not in rendered, key
