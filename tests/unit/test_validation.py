"""The reusable validators in bot/validation: what users type, what we store, what we refuse."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.validation.amounts import Ambiguous, read_amount
from bot.validation.contact import format_phone, parse_email, parse_phone
from bot.validation.cvr import cvr_checksum_ok, parse_cvr
from bot.validation.dates import parse_date, parse_date_range, parse_day_and_time
from bot.validation.errors import InvalidInput
from bot.validation.text import parse_integer, parse_text, parse_yes_no
from tests.fakes.chat import ChatDriver, text_of


@pytest.mark.parametrize("text", ["12345674", "12 34 56 74", "DK12345674", "dk 1234-5674"])
def test_cvr_accepts_common_spellings(text: str) -> None:
    assert parse_cvr(text) == "12345674"


def test_cvr_checksum_is_modulus_11() -> None:
    # 1*2 + 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 + 4*1 = 110, divisible by 11
    assert cvr_checksum_ok("12345674")
    assert not cvr_checksum_ok("12345678")
    assert not cvr_checksum_ok("01234567")


def test_cvr_with_a_typo_is_refused_as_checksum_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_cvr("12 34 56 78")
    assert caught.value.key == "grants.error.cvr_checksum"
    assert caught.value.params == {"cvr": "12345678"}


@pytest.mark.parametrize("text", ["1234567", "123456789", "abcdefgh", ""])
def test_cvr_of_wrong_length_is_a_format_error(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_cvr(text)
    assert caught.value.key == "grants.error.cvr_format"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Currency before or after, in every spelling a tester replayed.
        ("kr. 2.000", 200_000),
        ("Kr. 2.000,00", 200_000),
        ("kr.2000", 200_000),
        ("DKK 2000", 200_000),
        ("2000 kr", 200_000),
        ("2000kr", 200_000),
        ("2.000 kroner", 200_000),
        ("2 000 kr.", 200_000),
        ("2\u00a0000 kr.", 200_000),
        ("2\u202f000 kr.", 200_000),
        ("2000,-", 200_000),
        ("4.500,-", 450_000),
        ("5000,–", 500_000),
        ("kr 3000", 300_000),
        # Danish notation, unambiguous: taken as written.
        ("2.000", 200_000),
        ("2.000,50", 200_050),
        ("12,50", 1_250),
        ("1,5", 150),
        ("1.250.000", 125_000_000),
        ("12.500,50 kr", 1_250_050),
        ("12500", 1_250_000),
        ("0", 0),
        ("10k", 1_000_000),
        ("1,5k", 150_000),
        ("12 tusind", 1_200_000),
        # English notation that has no Danish reading.
        ("1,250,000", 125_000_000),
        ("12,505", 1_250_500),
        # A minus is kept; whether it is allowed is the step's decision.
        ("-500", -50_000),
        ("−500 kr", -50_000),
        ("kr. -2.000", -200_000),
        ("+500", 50_000),
    ],
)
def test_amounts_as_danes_write_them(text: str, expected: int) -> None:
    assert read_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "danish", "english"),
    [
        ("12.50", 125_000, 1_250),
        ("1.5", 1_500, 150),
        ("2,500.00", 250, 250_000),
        ("1,250", 125, 125_000),
        ("kr. 12.50", 125_000, 1_250),
        ("-12.50", -125_000, -1_250),
    ],
)
def test_amounts_with_two_readings_are_ambiguous(text: str, danish: int, english: int) -> None:
    assert read_amount(text) == Ambiguous(danish, english)


@pytest.mark.parametrize(
    "text", ["", "mange penge", "12,5,0", "- 500", "500-", "12 50", "1.2.3", "0,005", "--500"]
)
def test_non_amounts(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_amount(text)
    assert caught.value.key == "grants.error.amount"


@pytest.mark.parametrize(
    "text",
    [
        "15/3-2027",
        "15-03-2027",
        "15.03.2027",
        "2027-03-15",
        "15. marts 2027",
        "15 march 2027",
        "March 15, 2027",
        "15/3-27",
    ],
)
def test_date_formats(text: str) -> None:
    assert parse_date(text) == date(2027, 3, 15)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("31/2-2027", "grants.error.date_impossible"),
        ("i morgen", "grants.error.date"),
        ("3/15/2027", "grants.error.date_impossible"),
    ],
)
def test_bad_dates(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text)
    assert caught.value.key == key


@pytest.mark.parametrize(
    "text",
    [
        "1/4-2027 – 30/6-2027",
        "1.4.2027-30.6.2027",
        "2027-04-01 til 2027-06-30",
        "fra 1. april 2027 til 30. juni 2027",
    ],
)
def test_date_ranges(text: str) -> None:
    assert parse_date_range(text) == (date(2027, 4, 1), date(2027, 6, 30))


def test_date_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date_range("30/6-2027 – 1/4-2027")
    assert caught.value.key == "grants.error.date_range_order"


@pytest.mark.parametrize("text", ["1/4-2027", "1/4-2027 og 30/6-2027 og 1/7-2027", "april"])
def test_date_range_needs_exactly_two_joined_dates(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date_range(text)
    assert caught.value.key == "grants.error.date_range"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20304050", "+4520304050"),
        ("20 30 40 50", "+4520304050"),
        ("+45 20 30 40 50", "+4520304050"),
        ("0045 20304050", "+4520304050"),
        ("+299 32 10 00", "+299321000"),
        ("00299 321000", "+299321000"),
        ("321000", "+299321000"),
    ],
)
def test_phone_numbers(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text", ["1234", "+46 20304050", "02030405", "+299 1234567", "ring"])
def test_bad_phone_numbers(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_phone(text)
    assert caught.value.key == "grants.error.phone"


def test_phone_is_shown_in_pairs() -> None:
    assert format_phone("+4520304050") == "+45 20 30 40 50"
    assert format_phone("+299321000") == "+299 32 10 00"


def test_email_keeps_local_part_and_lowercases_domain() -> None:
    assert parse_email(" mailto:Anne.Hansen@Frivillig.DK ") == "Anne.Hansen@frivillig.dk"
    assert parse_email("kasserer@aeldresagen-soenderborg.dk")


@pytest.mark.parametrize(
    "text", ["anne", "anne@", "anne@frivillig", "an ne@x.dk", "a@@b.dk", "anne..h@x.dk"]
)
def test_bad_emails(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_email(text)
    assert caught.value.key == "grants.error.email"


def test_overlong_text_states_length_and_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_text("x" * 1250, max_length=1000)
    assert caught.value.key == "grants.error.text_too_long"
    assert caught.value.params == {"length": 1250, "limit": 1000}
    assert parse_text("  Formål  ", max_length=10) == "Formål"


def test_integers_with_bounds() -> None:
    assert parse_integer("1.200") == 1200
    assert parse_integer("12", minimum=1, maximum=100) == 12
    for text, key in (
        ("0", "grants.error.integer_min"),
        ("101", "grants.error.integer_max"),
        ("tolv", "grants.error.integer"),
        ("-3", "grants.error.integer"),
    ):
        with pytest.raises(InvalidInput) as caught:
            parse_integer(text, minimum=1, maximum=100)
        assert caught.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True),
        ("J", True),
        ("Yes", True),
        ("aap", True),
        ("nej", False),
        ("n", False),
        ("No.", False),
        ("naamik", False),
        ("OK!", True),
        (" ja ! ", True),
    ],
)
def test_yes_no(text: str, expected: bool) -> None:
    assert parse_yes_no(text) is expected


async def test_onboarding_consent_takes_the_same_words_as_every_other_yes_no(
    chat: ChatDriver,
) -> None:
    """One word list: what a grant question accepts, the consent step accepts too."""
    await chat.send("/start")
    await chat.press("Dansk")
    await chat.press("Sønderborg")
    replies = await chat.send("Jep!")
    assert "Hvad vil du gerne gøre?" in text_of(replies)


def test_yes_no_refuses_maybe() -> None:
    with pytest.raises(InvalidInput):
        parse_yes_no("måske")


@pytest.mark.parametrize(
    "text",
    [
        "1. april til 30. juni 2027",
        "1/4 – 30/6 2027",
        "1/4-30/6 2027",
        "1.4-30.6.2027",
        "April 1 to June 30, 2027",
    ],
)
def test_natural_danish_periods(text: str) -> None:
    assert parse_date_range(text) == (date(2027, 4, 1), date(2027, 6, 30))


def test_a_period_across_new_year_starts_in_the_year_before() -> None:
    assert parse_date_range("1/11 – 31/1 2028") == (date(2027, 11, 1), date(2028, 1, 31))


def test_a_period_that_lies_in_the_past_is_refused_with_its_end() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date_range("1/4 – 30/6 2026", today=date(2027, 3, 1))
    assert caught.value.key == "grants.error.date_range_past"
    assert caught.value.params == {"end": "30/6-2026"}
    # Under way is fine: the activity has started but not ended.
    assert parse_date_range("1/1 – 30/6 2027", today=date(2027, 3, 1))[1] == date(2027, 6, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i dag", date(2027, 3, 10)),
        ("i morgen", date(2027, 3, 11)),
        ("i overmorgen", date(2027, 3, 12)),
        ("på fredag", date(2027, 3, 12)),  # 10 March 2027 is a Wednesday
        ("mandag", date(2027, 3, 15)),
        ("tomorrow", date(2027, 3, 11)),
        ("15/3 2027", date(2027, 3, 15)),
    ],
)
def test_relative_days_count_from_today(text: str, expected: date) -> None:
    assert parse_date(text, today=date(2027, 3, 10)) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("15/3", "grants.error.date_year"),  # which year? ask
        ("1. april", "grants.error.date_year"),
        ("onsdag", "grants.error.date_weekday_today"),  # today, or in a week? ask
    ],
)
def test_ambiguous_dates_get_a_question(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, today=date(2027, 3, 10))
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i morgen kl 17", (date(2027, 3, 11), time(17, 0))),
        ("på fredag kl. 19.30", (date(2027, 3, 12), time(19, 30))),
        ("kl. 17.00", (None, time(17, 0))),
        ("17:00", (None, time(17, 0))),
        ("20.30", (None, time(20, 30))),  # a time, never the 20th of a 30th month
        ("15.03.2027 17:00", (date(2027, 3, 15), time(17, 0))),
        ("15/3-2027", (date(2027, 3, 15), None)),
    ],
)
def test_days_and_times_together(text: str, expected: tuple[date | None, time | None]) -> None:
    assert parse_day_and_time(text, date(2027, 3, 10), errors="meetings") == expected


def test_an_old_greenlandic_ger_number_reads_as_the_cvr_number_it_became() -> None:
    """Greenland closed GER on 1 January 2018 and converted its numbers to CVR numbers; this one
    is from a 2016 annual report (»GER No. 12663765«) and passes the same modulus-11 check."""
    assert parse_cvr("GER-nr. 12663765") == "12663765"
    assert parse_cvr("GER 12 66 37 65") == "12663765"
