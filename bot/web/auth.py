"""Who is using the dashboard: one-time login links and Telegram Mini App `initData`.

No passwords. A staff member gets in by one of two proofs that they control a Telegram account:

* a **one-time link** (`/staff/login/<token>`) the bot sent to that account from `/staff`:
  single use, valid `LINK_LIFETIME`, bound to the Telegram user; only a SHA-256 of the token is
  stored, so a copy of the database opens nothing;
* the Mini App's **initData**, signed by Telegram with a key derived from the bot token, checked
  exactly as Telegram documents it (core.telegram.org/bots/webapps, "Validating data received
  via the Mini App"): ``secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)``, then
  ``hex(HMAC_SHA256(key=secret_key, msg=data_check_string)) == hash``, where the
  data-check-string is every received field but ``hash``, sorted by key, as ``key=value`` lines
  joined by ``\\n``; and ``auth_date`` no older than `INIT_DATA_MAX_AGE`.

Either proof only says who the person is; what they may see is checked per request against their
staff roles (`bot.staff.access`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.web.models import WebLoginLink

#: How long a login link works (issue 13: ten minutes).
LINK_LIFETIME = timedelta(minutes=10)
#: The oldest Mini App `auth_date` accepted (issue 13: a day).
INIT_DATA_MAX_AGE = timedelta(days=1)


class LoginRefusedError(Exception):
    """The link or initData does not let anyone in (unknown, used, expired or forged)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_login_link(session: Session, telegram_id: int, now: datetime) -> str:
    """A new one-time token for `telegram_id` (`now` in UTC); the caller builds the URL from it.

    The token has 256 bits from `secrets`; the row holds its SHA-256 only.
    """
    token = secrets.token_urlsafe(32)
    # Spent and expired links open nothing; keep the table small (a day's links at most).
    session.execute(delete(WebLoginLink).where(WebLoginLink.expires_at < now - timedelta(days=1)))
    session.add(
        WebLoginLink(
            token_hash=_hash(token),
            telegram_id=telegram_id,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    session.flush()
    return token


def redeem_login_link(session: Session, token: str, now: datetime) -> int:
    """The Telegram id the link was made for; the link is used up by this call.

    Raises `LoginRefusedError` for an unknown, already used or expired token (`now` in UTC). The
    single use holds across processes: the row is marked used by one conditional UPDATE, and only
    the caller whose UPDATE changed the row gets in.
    """
    if not token or len(token) > 200:
        raise LoginRefusedError
    digest = _hash(token)
    changed = session.execute(
        update(WebLoginLink)
        .where(
            WebLoginLink.token_hash == digest,
            WebLoginLink.used_at.is_(None),
            WebLoginLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise LoginRefusedError
    telegram_id = session.scalar(
        select(WebLoginLink.telegram_id).where(WebLoginLink.token_hash == digest)
    )
    assert telegram_id is not None
    return int(telegram_id)


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, from validated initData."""

    telegram_id: int
    language: str | None
    auth_date: datetime  # UTC


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram would send it for `fields` (tests and the local demo only)."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    digest = hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def validate_init_data(init_data: str, bot_token: str, now: datetime) -> WebAppUser:
    """The user of a Mini App's `Telegram.WebApp.initData`, if Telegram signed it (see module).

    `now` is UTC. Raises `LoginRefusedError` when the hash is missing or wrong, a field repeats,
    `auth_date` is missing, in the future (over a minute) or older than `INIT_DATA_MAX_AGE`, or
    there is no user id.
    """
    if not init_data or len(init_data) > 8192 or not bot_token:
        raise LoginRefusedError
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise LoginRefusedError  # a repeated key: not what Telegram sends
    given = fields.pop("hash", "")
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    expected = hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(expected, given):
        raise LoginRefusedError
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=UTC)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise LoginRefusedError from None
    if auth_date > now + timedelta(minutes=1) or now - auth_date > INIT_DATA_MAX_AGE:
        raise LoginRefusedError
    language = user.get("language_code") if isinstance(user, dict) else None
    return WebAppUser(telegram_id, language if isinstance(language, str) else None, auth_date)
