"""Message catalog: every user-facing string, in English and Japanese.

Plain dicts rather than gettext: two languages, no build step, and a test keeps the keys and
placeholders of both catalogs identical.
"""

from __future__ import annotations

from bot.i18n.en import MESSAGES as EN
from bot.i18n.ja import MESSAGES as JA

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "ja": JA}
SUPPORTED = tuple(CATALOGS)
DEFAULT = "en"


def normalize_locale(locale: str | None) -> str:
    """Slack locales look like 'ja-JP' or 'en-US'; anything we do not speak falls back to English."""
    if not locale:
        return DEFAULT
    lang = locale.replace("_", "-").split("-")[0].lower()
    return lang if lang in CATALOGS else DEFAULT


def t(lang: str, key: str, **kwargs: object) -> str:
    catalog = CATALOGS.get(lang, EN)
    template = catalog.get(key) or EN[key]
    return template.format(**kwargs) if kwargs else template


def tn(lang: str, key: str, count: int, **kwargs: object) -> str:
    """A counted phrase: `key.one` for exactly one, `key.other` otherwise ("1 answer", "2 answers")."""
    return t(lang, f"{key}.one" if count == 1 else f"{key}.other", count=count, **kwargs)
