"""Message catalogs: every user-facing string, per language, from gettext `.po` files.

Catalogs are keyed (msgid ``"menu.volunteer"``, msgstr the text) and split by capability
(``core.po``, ``grants.po``, ``matching.po`` …) so that features can grow their own without touching
each other's. The `.po` files are read directly when first used, so there is no compile step to
forget. A key missing in the user's language falls back to Danish, then English; a raw key is never
shown to a user (the tests check that every key used in code exists in Danish and English).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "da"
#: Languages a user can pick, in the order the buttons show them. Kalaallisut is offered where we
#: have text; every string it lacks falls back to Danish, which most Greenlandic speakers also read.
LANGUAGES: tuple[str, ...] = ("da", "en", "kl")
_FALLBACKS: Mapping[str, tuple[str, ...]] = {
    "da": ("da", "en"),
    "en": ("en", "da"),
    "kl": ("kl", "da", "en"),
}


class MissingMessageError(KeyError):
    """A key that no catalog knows: a programming error, caught by the catalog tests."""


@cache
def catalog(language: str) -> dict[str, str]:
    """All translated messages of one language, merged from every `.po` file in its folder."""
    messages: dict[str, str] = {}
    folder = LOCALES_DIR / language
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            po = read_po(handle)
        for message in po:
            # Fuzzy entries are unreviewed guesses: never shown, exactly as gettext would do.
            if isinstance(message.id, str) and message.id and message.string and not message.fuzzy:
                messages[message.id] = str(message.string)
    return messages


def has(language: str, key: str) -> bool:
    """True when `key` has a text in `language` itself (no fallback)."""
    return key in catalog(language)


def t(language: str | None, key: str, /, **params: object) -> str:
    """The text for `key` in `language` (falling back as described above), formatted with `params`.

    Parameters use ``str.format`` names: ``"Sendt {sent} af {total}"``. Callers escape user text for
    HTML before passing it in.
    """
    for candidate in _FALLBACKS.get(language or DEFAULT_LANGUAGE, (DEFAULT_LANGUAGE, "en")):
        text = catalog(candidate).get(key)
        if text is not None:
            return text.format(**params) if params else text
    raise MissingMessageError(key)


def normalise_language(code: str | None) -> str:
    """Map a Telegram `language_code` ("en-GB", "da", None …) to one of ours."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE
