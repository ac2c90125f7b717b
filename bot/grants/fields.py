"""Turning one chat answer into a stored value, per field type, or saying precisely what is wrong.

Stored values are JSON-serialisable, because the conversation layer keeps the answers as JSON:

=============  ==========================================================================
type           stored as
=============  ==========================================================================
text           ``str`` (stripped); long_text likewise
cvr            ``"12345678"`` (eight digits, modulus-11 checked)
email          ``str`` with the domain lower-cased
phone          E.164 ``"+4512345678"`` / ``"+299123456"``
amount         ``int`` øre (12.500,50 kr → 1250050): exact, no float rounding
integer        ``int``
date           ISO ``"2027-03-15"``
date_range     ``{"start": "2027-04-01", "end": "2027-06-30"}``
choice         the option key ``"aktivitetstilskud"``
multi_choice   option keys ``["born", "aeldre"]`` in the form's order
yes_no         ``bool``
budget_lines   ``[{"text": "Leje af bus", "amount": 450000}, …]`` (amount in øre)
attachment     ``{"file_id", "file_name", "mime_type", "size"}`` (Telegram's file id, bytes)
=============  ==========================================================================

Amounts are read by the one parser, `bot.validation.amounts.read_amount`. A text it reads two
ways ("12.50": 1.250 kr. or 12,50 kr.) is not stored: the result carries both `readings` and the
screen asks which one was meant; `accept_reading` then stores the one pressed.

Negative amounts are refused everywhere, with ``grants.error.amount_negative`` /
``grants.error.budget_negative`` rather than the generic "write an amount", and the minus is never
dropped: every ``amount`` field of our schemes (amount applied for, funding from others, savings)
is a sum of money that is at least 0 — `FieldSpec.min` cannot be negative (``ge=0`` in
schemes.py) — and a budget line is an expense: every scheme asks for "én udgift ad gangen", and
income has its own field (``other_funding``) or question (``other_funding_sought``).

Errors and warnings are `Message` objects (a catalog key and raw parameters), rendered in the
user's language with `Message.render`, which also formats numbers the Danish or English way.
"""

from __future__ import annotations

import math
import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeAlias

from babel.lists import format_list
from babel.numbers import format_decimal

from bot.grants.schemes import Exclusion, FieldSpec, FieldType, Localised
from bot.i18n import t
from bot.validation.amounts import Ambiguous, read_amount
from bot.validation.contact import parse_email, parse_phone
from bot.validation.cvr import parse_cvr
from bot.validation.dates import parse_date, parse_date_range
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_integer, parse_text, parse_yes_no

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None

_BABEL_LOCALE = {"da": "da_DK", "en": "en_GB", "kl": "da_DK"}
_MB = 1_000_000  # sizes are shown in decimal megabytes, as phones and Telegram show them
_DEFAULT_BUDGET_TEXT_LENGTH = 200
_MAX_BUDGET_LINES = 50


def babel_locale(language: str | None) -> str:
    """The babel locale that formats numbers and dates for one of our languages."""
    return _BABEL_LOCALE.get(language or "da", "da_DK")


@dataclass(frozen=True)
class Money:
    """An amount in øre inside a message, shown as "12.500 kr." (da) or "DKK 12,500" (en)."""

    ore: int


def format_amount(ore: int, language: str | None) -> str:
    """An amount in øre as text, øre only when there are some (STYLE.md: »4.500 kr.«):
    "12.500 kr.", "12,50 kr." in Danish (and Kalaallisut), "DKK 12,500", "DKK 12.50" in English."""
    pattern = "#,##0" if ore % 100 == 0 else "#,##0.00"
    number = format_decimal(Decimal(ore) / 100, format=pattern, locale=babel_locale(language))
    return f"DKK {number}" if language == "en" else f"{number} kr."


def format_kroner(ore: int, language: str | None) -> str:
    """An amount as people write it back, for echoes and "Mente du …?": the same text as
    `format_amount` ("2.000 kr.", "12,50 kr.", "DKK 2,000")."""
    return format_amount(ore, language)


@dataclass(frozen=True)
class Message:
    """A catalog key plus raw parameters; rendering formats them for the reader's language."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: str | None) -> str:
        """The text in `language`, with numbers, amounts and lists formatted for it."""
        return t(
            language, self.key, **{k: _render_param(v, language) for k, v in self.params.items()}
        )


def _render_param(value: object, language: str | None) -> str:
    locale = babel_locale(language)
    match value:
        case bool():
            return str(value)
        case int() | Decimal():
            return format_decimal(value, locale=locale)
        case float():
            return format_decimal(value, format="#,##0.#", locale=locale)
        case Money(ore=ore):
            return format_amount(ore, language)
        case Localised():
            return value.get(language)
        case Message():
            return value.render(language)
        case tuple():
            return format_list(
                [_render_param(v, language) for v in value], style="or", locale=locale
            )
        case _:
            return str(value)


@dataclass(frozen=True)
class Attachment:
    """A file the user sent, as the conversation layer receives it from Telegram."""

    file_id: str
    file_name: str
    mime_type: str
    size: int

    def to_json(self) -> dict[str, JsonValue]:
        """The stored form of the attachment."""
        return {
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "size": self.size,
        }


@dataclass(frozen=True)
class FieldResult:
    """Either a value to store (`error` is None) or an error to show; warnings never block.

    `readings` holds two candidates when the answer can be read two ways ("12.50"): nothing is
    stored then, the user picks one and `accept_reading` turns it into a result. For an amount
    field a reading is øre (int), for budget_lines the one new line.
    """

    value: JsonValue = None
    error: Message | None = None
    warnings: tuple[Message, ...] = ()
    readings: tuple[JsonValue, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the value can be stored."""
        return self.error is None and not self.readings


Raw: TypeAlias = str | Attachment | Sequence[str]


def parse_answer(
    spec: FieldSpec,
    raw: Raw,
    *,
    current: JsonValue = None,
    exclusions: Sequence[Exclusion] = (),
    today: date | None = None,
) -> FieldResult:
    """Validate `raw` for `spec` and return the value to store or an error saying what is expected.

    `raw` is the user's text; an `Attachment` for attachment fields; for multi_choice also the list
    of toggled keys. For budget_lines `raw` is ONE line, `current` the lines so far, and the
    result's value the whole list with the new line appended; a line that looks like one of the
    scheme's `exclusions` comes back with a warning, not an error. `today` (the local date in the
    municipality's zone) lets dates be relative ("i morgen") and refuses a period in the past.
    """
    try:
        return _parse(spec, raw, current, exclusions, today)
    except InvalidInput as problem:
        return FieldResult(error=Message(problem.key, dict(problem.params)))


def skip(spec: FieldSpec) -> FieldResult:
    """Leave the field unanswered: allowed for optional fields, ``grants.error.required`` else."""
    if spec.required:
        return FieldResult(error=Message("grants.error.required"))
    return FieldResult(value=None)


def input_hint(spec: FieldSpec) -> Message:
    """How to answer a field of this type ("Skriv et beløb, fx 12.500 kr.")."""
    return Message(f"grants.hint.{spec.type.value}")


def _parse(
    spec: FieldSpec,
    raw: Raw,
    current: JsonValue,
    exclusions: Sequence[Exclusion],
    today: date | None = None,
) -> FieldResult:
    if spec.type is FieldType.ATTACHMENT:
        if not isinstance(raw, Attachment):
            raise InvalidInput("grants.error.attachment_missing")
        return FieldResult(value=_parse_attachment(spec, raw))
    if isinstance(raw, Attachment):
        raise InvalidInput(f"grants.hint.{spec.type.value}")
    if spec.type is FieldType.MULTI_CHOICE:
        return FieldResult(value=_parse_multi_choice(spec, raw))
    if not isinstance(raw, str):
        raise InvalidInput(f"grants.hint.{spec.type.value}")
    if spec.type is FieldType.BUDGET_LINES:
        return _add_budget_line(spec, raw, current, exclusions)
    if spec.type is FieldType.AMOUNT and raw.strip():
        reading = read_amount(raw)
        if isinstance(reading, Ambiguous):
            return FieldResult(readings=reading.readings)
        return FieldResult(value=check_amount(spec, reading))
    return FieldResult(value=_parse_scalar(spec, raw, today))


def accept_reading(
    spec: FieldSpec,
    reading: JsonValue,
    *,
    current: JsonValue = None,
    exclusions: Sequence[Exclusion] = (),
) -> FieldResult:
    """The result of picking one of `FieldResult.readings`: checked like a typed answer (bounds,
    sign; for budget_lines appended to `current` with exclusion warnings)."""
    try:
        if spec.type is FieldType.AMOUNT and isinstance(reading, int):
            return FieldResult(value=check_amount(spec, reading))
        if spec.type is FieldType.BUDGET_LINES and isinstance(reading, dict):
            line = {"text": str(reading.get("text", "")), "amount": reading.get("amount")}
            if not line["text"] or not isinstance(line["amount"], int):
                raise InvalidInput("grants.error.budget_line")
            return _append_budget_line(line, current, exclusions)
    except InvalidInput as problem:
        return FieldResult(error=Message(problem.key, dict(problem.params)))
    return FieldResult(error=Message(f"grants.hint.{spec.type.value}"))


def _parse_scalar(spec: FieldSpec, raw: str, today: date | None = None) -> JsonValue:
    if not raw.strip():
        raise InvalidInput("grants.error.required")
    match spec.type:
        case FieldType.TEXT | FieldType.LONG_TEXT:
            return parse_text(raw, max_length=spec.max_length)
        case FieldType.CVR:
            return parse_cvr(raw)
        case FieldType.EMAIL:
            return parse_email(raw)
        case FieldType.PHONE:
            return parse_phone(raw)
        case FieldType.INTEGER:
            return parse_integer(raw, minimum=spec.min, maximum=spec.max)
        case FieldType.DATE:
            return parse_date(raw, today).isoformat()
        case FieldType.DATE_RANGE:
            start, end = parse_date_range(raw, today)
            return {"start": start.isoformat(), "end": end.isoformat()}
        case FieldType.CHOICE:
            return _resolve_choice(spec, raw)
        case FieldType.YES_NO:
            answer = parse_yes_no(raw)
            if spec.must_be is not None and answer is not spec.must_be:
                raise InvalidInput("grants.error.must_confirm")
            return answer
        case _:  # pragma: no cover - every type is handled above or in _parse
            raise AssertionError(spec.type)


def check_amount(spec: FieldSpec, ore: int) -> int:
    """`ore` if the field takes it; `InvalidInput` for a negative amount (no field takes one, see
    the module docstring) or one outside the field's `min`/`max` (whole kroner)."""
    if ore < 0:
        raise InvalidInput("grants.error.amount_negative", amount=Money(ore))
    if spec.min is not None and ore < spec.min * 100:
        raise InvalidInput(
            "grants.error.amount_min", amount=Money(ore), limit=Money(spec.min * 100)
        )
    if spec.max is not None and ore > spec.max * 100:
        raise InvalidInput(
            "grants.error.amount_max", amount=Money(ore), limit=Money(spec.max * 100)
        )
    return ore


def _norm(text: str) -> str:
    return " ".join(text.strip().strip(".").casefold().split())


def _resolve_choice(spec: FieldSpec, raw: str) -> str:
    wanted = _norm(raw)
    for option in spec.choices:
        names = {option.key.casefold(), *(_norm(label) for label in option.label.root.values())}
        if wanted in names:
            return option.key
    raise InvalidInput(
        "grants.error.choice_unknown",
        text=raw.strip(),
        # Each option as the button it is, in quotes: »Vælg »Ja«, »Nej« eller »Ved ikke«.«
        options=tuple(
            Message("grants.error.choice_quoted", {"label": option.label})
            for option in spec.choices
        ),
    )


_LIST_SEPARATORS = re.compile(r"[,;\n]+")
_AND = re.compile(r"(?i)\s+(?:og|and|&)\s+")


def _parse_multi_choice(spec: FieldSpec, raw: str | Sequence[str]) -> list[JsonValue]:
    chosen: set[str] = set()
    if isinstance(raw, str) and _matches_one(spec, raw):
        # Labels may themselves contain commas ("Børn, unge og familier").
        chosen.add(_resolve_choice(spec, raw))
    elif isinstance(raw, str):
        parts = [p for p in _LIST_SEPARATORS.split(raw) if p.strip()]
        for part in parts:
            try:
                chosen.add(_resolve_choice(spec, part))
            except InvalidInput:
                # Labels may contain "og" ("Børn og unge"), so split on "og" only as a fallback.
                chosen.update(_resolve_choice(spec, word) for word in _AND.split(part))
    else:
        for key in raw:
            # Toggled keys come from buttons; anything else is resolved like typed text.
            known = key in {c.key for c in spec.choices}
            chosen.add(key if known else _resolve_choice(spec, key))
    if not chosen:
        raise InvalidInput("grants.error.required")
    return [option.key for option in spec.choices if option.key in chosen]


def _matches_one(spec: FieldSpec, raw: str) -> bool:
    try:
        _resolve_choice(spec, raw)
    except InvalidInput:
        return False
    return True


def toggle_choice(spec: FieldSpec, current: JsonValue, key: str) -> list[JsonValue]:
    """The multi_choice selection after pressing the button for `key` (on → off, off → on)."""
    selected = {k for k in current if isinstance(k, str)} if isinstance(current, list) else set()
    spec.choice(key)  # KeyError for a key the form does not know: a stale button, a bug upstream
    selected ^= {key}
    return [option.key for option in spec.choices if option.key in selected]


def _accepts(accept: Sequence[str], mime_type: str) -> bool:
    mime = mime_type.lower()
    for pattern in accept:
        pattern = pattern.lower()
        if pattern == mime or (pattern.endswith("/*") and mime.startswith(pattern[:-1])):
            return True
    return False


_FILE_KINDS = {
    "application/pdf": "pdf",
    "application/msword": "word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.ms-excel": "excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "excel",
}


def _file_kinds(accept: Sequence[str]) -> tuple[Message, ...]:
    kinds: list[str] = []
    for mime in accept:
        kind = "image" if mime.startswith("image/") else _FILE_KINDS.get(mime, "other")
        if kind not in kinds:
            kinds.append(kind)
    return tuple(Message(f"grants.filetype.{kind}") for kind in kinds)


def _megabytes(size: int) -> float:
    # Round up, so a file a few bytes over the limit never reads as "10 MB, at most 10 MB".
    return math.ceil(size * 10 / _MB) / 10


def _parse_attachment(spec: FieldSpec, file: Attachment) -> JsonValue:
    mime_type = file.mime_type or mimetypes.guess_type(file.file_name)[0] or ""
    if not _accepts(spec.accept, mime_type):
        raise InvalidInput("grants.error.attachment_type", types=_file_kinds(spec.accept))
    if spec.max_bytes is not None and file.size > spec.max_bytes:
        raise InvalidInput(
            "grants.error.attachment_size",
            size=_megabytes(file.size),
            limit=_megabytes(spec.max_bytes),
        )
    if file.size <= 0:
        raise InvalidInput("grants.error.attachment_empty")
    return Attachment(file.file_id, file.file_name, mime_type, file.size).to_json()


_BUDGET_TRIM = " \t:–—-="
_LEADING_SEPARATOR = re.compile(r"^[\s:=]*(?:[-–—]\s+)?")


def read_budget_line(
    text: str, *, max_length: int | None = None
) -> tuple[dict[str, JsonValue], ...]:
    """One budget line, "Leje af bus: 4.500 kr" or "Leje af bus 4500" → text and amount in øre;
    two candidate lines when it reads two ways (the screen asks which was meant).

    The amount is the longest run of trailing words that reads as an amount ("Tur for 12 børn
    1.500 kr" costs 1.500 kr). Two readings: an amount that reads two ways ("Kaffe: 12.50"), or
    a number that may belong to the text or to the amount ("Kaffe 4 500 kr": 4.500 kr. or
    "Kaffe 4" for 500 kr.); a colon settles the latter. A dash followed by a space separates
    ("Bus - 4500"); one stuck to the number is a minus, refused with
    ``grants.error.budget_negative`` because a line is an expense (see the module docstring).
    Raises `InvalidInput`.
    """
    cleaned = " ".join(text.split())
    candidates: list[tuple[str, str, bool]] = []
    if ":" in cleaned:
        head, _, tail = cleaned.rpartition(":")
        candidates.append((head, tail, True))
    words = cleaned.split(" ")
    for count in range(min(4, len(words) - 1), 0, -1):
        candidates.append((" ".join(words[:-count]), " ".join(words[-count:]), False))
    found: list[dict[str, JsonValue]] = []
    for index, (head, tail, by_colon) in enumerate(candidates):
        lines = _budget_reading(head, tail, max_length)
        if not lines:
            continue
        found += lines
        if len(found) == 1 and not by_colon and index + 1 < len(candidates):
            # "Kaffe 4 500 kr": if the next shorter tail reads as an amount too, ask.
            head, tail, _ = candidates[index + 1]
            found += [
                line
                for line in _budget_reading(head, tail, max_length)
                if line["amount"] != found[0]["amount"]
            ]
        return tuple(found[:2])
    raise InvalidInput("grants.error.budget_line")


def _budget_reading(head: str, tail: str, max_length: int | None) -> list[dict[str, JsonValue]]:
    """The line(s) of one split into text and amount; [] when it is not one."""
    label = head.strip(_BUDGET_TRIM)
    if not label:
        return []
    try:
        reading = read_amount(_LEADING_SEPARATOR.sub("", tail))
    except InvalidInput:
        return []
    amounts = reading.readings if isinstance(reading, Ambiguous) else (reading,)
    if any(amount < 0 for amount in amounts):
        raise InvalidInput("grants.error.budget_negative", amount=Money(min(amounts)))
    if not all(amounts):
        return []
    limit = max_length or _DEFAULT_BUDGET_TEXT_LENGTH
    if len(label) > limit:
        raise InvalidInput("grants.error.text_too_long", length=len(label), limit=limit)
    return [{"text": label, "amount": amount} for amount in amounts]


def parse_budget_line(text: str, *, max_length: int | None = None) -> dict[str, JsonValue]:
    """The one reading of `read_budget_line`; `InvalidInput` also when it reads two ways."""
    lines = read_budget_line(text, max_length=max_length)
    if len(lines) > 1:
        raise InvalidInput("grants.error.budget_line")
    return lines[0]


def _add_budget_line(
    spec: FieldSpec, raw: str, current: JsonValue, exclusions: Sequence[Exclusion]
) -> FieldResult:
    lines = read_budget_line(raw, max_length=spec.max_length)
    if len(lines) > 1:
        _check_room(current)
        return FieldResult(readings=lines)
    return _append_budget_line(lines[0], current, exclusions)


def _check_room(current: JsonValue) -> None:
    if isinstance(current, list) and len(current) >= _MAX_BUDGET_LINES:
        raise InvalidInput("grants.error.budget_too_many", limit=_MAX_BUDGET_LINES)


def _append_budget_line(
    line: dict[str, JsonValue], current: JsonValue, exclusions: Sequence[Exclusion]
) -> FieldResult:
    _check_room(current)
    if not isinstance(line["amount"], int) or line["amount"] <= 0:
        raise InvalidInput("grants.error.budget_negative", amount=Money(int(str(line["amount"]))))
    lines: list[JsonValue] = list(current) if isinstance(current, list) else []
    lines.append(line)
    warnings = tuple(
        Message("grants.warning.budget_excluded", {"line": line["text"], "item": exclusion.label})
        for exclusion in matching_exclusions(str(line["text"]), exclusions)
    )
    return FieldResult(value=lines, warnings=warnings)


def matching_exclusions(text: str, exclusions: Sequence[Exclusion]) -> list[Exclusion]:
    """The exclusions whose words begin a word of `text` ("Løn til kok" matches "løn")."""
    lowered = text.casefold()
    return [
        exclusion
        for exclusion in exclusions
        if any(_starts_word(stem, lowered) for stem in exclusion.match)
    ]


def _starts_word(stem: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(stem.casefold())}", text) is not None


def budget_total(lines: JsonValue) -> int:
    """The sum of a budget_lines value, in øre (0 for no lines)."""
    if not isinstance(lines, list):
        return 0
    total = 0
    for line in lines:
        amount = line.get("amount") if isinstance(line, dict) else None
        if isinstance(amount, int) and not isinstance(amount, bool):
            total += amount
    return total


def remove_budget_line(lines: JsonValue, index: int) -> list[JsonValue]:
    """The lines without the one at `index` (0-based); an out-of-range index changes nothing."""
    kept = list(lines) if isinstance(lines, list) else []
    if 0 <= index < len(kept):
        del kept[index]
    return kept
