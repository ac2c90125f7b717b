"""Message catalogs: every user-facing string, per language, from gettext `.po` files.

Catalogs are keyed (msgid ``"menu.volunteer"``, msgstr the text) and split by capability
(``core.po``, ``grants.po``, ``matching.po`` …) so that features can grow their own without touching
each other's. The `.po` files are read directly when first used, so there is no compile step to
forget. A key missing in the user's language falls back to Danish, then English; a raw key is never
shown to a user (the tests check that every key used in code exists in Danish and English).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
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
def _read(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], str]:
    """(messages, plural messages, plural rule) of one language, from every `.po` file."""
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    rule = "(n != 1)"
    folder = LOCALES_DIR / language
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as handle:
            po = read_po(handle)
        rule = po.plural_expr or rule
        for message in po:
            # Fuzzy entries are unreviewed guesses: never shown, exactly as gettext would do.
            if message.fuzzy or not message.id or not message.string:
                continue
            if isinstance(message.id, str):
                messages[message.id] = str(message.string)
            elif all(message.string):  # msgid_plural: every form translated, or none is used
                plurals[str(message.id[0])] = tuple(str(form) for form in message.string)
    return messages, plurals, rule


def catalog(language: str) -> dict[str, str]:
    """All translated messages of one language, merged from every `.po` file in its folder."""
    return _read(language)[0]


def plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """The language's plural entries (msgid_plural): key → its forms (msgstr[0], msgstr[1] …)."""
    return _read(language)[1]


@cache
def _plural_rule(language: str) -> Callable[[int], int]:
    """The `Plural-Forms` rule of the language's catalogs (Danish, English: ``n != 1``)."""
    return gettext.c2py(_read(language)[2])


def has(language: str, key: str) -> bool:
    """True when `key` has a text in `language` itself (no fallback)."""
    return key in catalog(language) or key in plural_catalog(language)


def tn(language: str | None, key: str, n: int, /, **params: object) -> str:
    """The form of plural entry `key` for the count `n` ("1 mulighed", "2 muligheder"), by the
    catalog's `Plural-Forms` rule, formatted with `params` (which name the count themselves,
    e.g. ``count=n``). Falls back per string like `t`; `MissingMessageError` when no catalog
    has the key as a plural entry.
    """
    for candidate in _FALLBACKS.get(language or DEFAULT_LANGUAGE, (DEFAULT_LANGUAGE, "en")):
        forms = plural_catalog(candidate).get(key)
        if forms is not None:
            text = forms[min(_plural_rule(candidate)(n), len(forms) - 1)]
            return text.format(**params) if params else text
    raise MissingMessageError(key)


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
