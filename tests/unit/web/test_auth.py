"""Logging in to the dashboard: Telegram's initData check and the one-time links."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.core.services import Services
from bot.store.database import transaction
from bot.web.auth import (
    LoginRefusedError,
    create_login_link,
    redeem_login_link,
    sign_init_data,
    validate_init_data,
)
from bot.web.models import WebLoginLink

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


def _fields(auth_date: datetime = NOW, user_id: int = 5000) -> dict[str, str]:
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Mette", "language_code": "da"}),
        "auth_date": str(int(auth_date.timestamp())),
    }


def test_init_data_signed_as_telegram_documents_it_is_accepted() -> None:
    # Computed here step by step from Telegram's description, not with the code under test.
    fields = _fields()
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    init_data = urlencode({**fields, "hash": digest})
    user = validate_init_data(init_data, TOKEN, NOW + timedelta(minutes=5))
    assert user.telegram_id == 5000 and user.language == "da"
    assert sign_init_data(fields, TOKEN) == init_data


@pytest.mark.parametrize(
    "forge",
    [
        lambda data: data.replace("5000", "5001"),  # another user id, same hash
        lambda data: data[:-4] + "0000",  # a changed hash
        lambda data: data.split("&hash=")[0],  # no hash
        lambda data: data + "&hash=abc",  # a second hash
        lambda data: sign_init_data(_fields(), "654321:OTHER-BOT"),  # another bot's token
        lambda data: "",
    ],
)
def test_forged_init_data_is_refused(forge: object) -> None:
    data = sign_init_data(_fields(), TOKEN)
    with pytest.raises(LoginRefusedError):
        validate_init_data(forge(data), TOKEN, NOW)  # type: ignore[operator]


def test_init_data_older_than_a_day_or_from_the_future_is_refused() -> None:
    day_old = sign_init_data(_fields(NOW - timedelta(days=1, seconds=1)), TOKEN)
    with pytest.raises(LoginRefusedError):
        validate_init_data(day_old, TOKEN, NOW)
    almost = sign_init_data(_fields(NOW - timedelta(hours=23, minutes=59)), TOKEN)
    assert validate_init_data(almost, TOKEN, NOW).telegram_id == 5000
    future = sign_init_data(_fields(NOW + timedelta(minutes=10)), TOKEN)
    with pytest.raises(LoginRefusedError):
        validate_init_data(future, TOKEN, NOW)


def test_a_login_link_works_once_for_its_user_and_is_stored_hashed(services: Services) -> None:
    with transaction(services.db) as session:
        token = create_login_link(session, 5000, NOW)
    with transaction(services.db) as session:
        stored = session.scalars(select(WebLoginLink.token_hash)).one()
    assert token not in stored and stored == hashlib.sha256(token.encode()).hexdigest()
    with transaction(services.db) as session:
        assert redeem_login_link(session, token, NOW + timedelta(minutes=1)) == 5000
    with transaction(services.db) as session, pytest.raises(LoginRefusedError):
        redeem_login_link(session, token, NOW + timedelta(minutes=2))


def test_a_login_link_expires_after_ten_minutes(services: Services) -> None:
    with transaction(services.db) as session:
        token = create_login_link(session, 5000, NOW)
    with transaction(services.db) as session, pytest.raises(LoginRefusedError):
        redeem_login_link(session, token, NOW + timedelta(minutes=10))
    with transaction(services.db) as session, pytest.raises(LoginRefusedError):
        redeem_login_link(session, token + "x", NOW)
