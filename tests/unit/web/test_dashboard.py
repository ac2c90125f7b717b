"""The dashboard through HTTP (Starlette's test client): sessions, CSRF, who may see what, and a
decision taken on the web being the same decision as in chat (outbox notice, audit log)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.core.services import Services
from bot.grants.models import GrantApplication, Status
from bot.staff.models import AuditEntry
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from bot.web.app import CSRF_COOKIE, SESSION_COOKIE, build_web_app
from bot.web.auth import create_login_link
from tests.unit.web.seed import APPLICANT_ID, STAFF_ID, add_applications, add_staff


def _csrf(html: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def login(client: TestClient, services: Services, telegram_id: int = STAFF_ID) -> str:
    """Log in by a one-time link; the CSRF token of the page."""
    with transaction(services.db) as session:
        token = create_login_link(session, telegram_id, services.clock())
    page = client.get(f"/staff/login/{token}")
    answer = client.post(
        f"/staff/login/{token}", data={"csrftoken": _csrf(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return _csrf(page.text)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    add_staff(services)
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def test_the_session_cookie_is_httponly_lax_eight_hours_and_secure_over_https(
    services: Services,
) -> None:
    add_staff(services)
    for base, secure in (("http://127.0.0.1:8000", False), ("https://staff.example.dk", True)):
        services.settings.web_base_url = base
        with TestClient(build_web_app(services), base_url=base) as client:
            with transaction(services.db) as session:
                token = create_login_link(session, STAFF_ID, services.clock())
            page = client.get(f"/staff/login/{token}")
            answer = client.post(
                f"/staff/login/{token}",
                data={"csrftoken": _csrf(page.text)},
                follow_redirects=False,
            )
        cookies = answer.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
        flags = {part.strip().lower() for part in session_cookie.split(";")[1:]}
        assert {"httponly", "samesite=lax", "path=/staff", "max-age=28800"} <= flags
        assert ("secure" in flags) is secure
        csrf_cookie = page.headers.get_list("set-cookie")[0]
        assert csrf_cookie.startswith(f"{CSRF_COOKIE}=")
        assert ("Secure" in csrf_cookie) is secure and "SameSite=Lax" in csrf_cookie


def test_pages_carry_a_csp_without_inline_scripts(client: TestClient) -> None:
    page = client.get("/staff/")
    assert page.status_code == 401  # not logged in: how to log in
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' https://telegram.org" in policy and "unsafe-inline" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "/staff" in page.text and "<script" not in page.text


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, services: Services) -> None:
    [app_id] = add_applications(services, 1)
    login(client, services)
    url = f"/staff/sonderborg/applications/{app_id}/decision"
    form = {"decision": "reject", "reason": "Nej", "confirm": "1"}
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data={**form, "csrftoken": "forged"}).status_code == 403
    with transaction(services.db) as session:
        assert session.get(GrantApplication, app_id).status == Status.SUBMITTED.value


def test_another_municipalitys_application_and_forged_ids_are_404(
    client: TestClient, services: Services
) -> None:
    [own] = add_applications(services, 1)
    [other] = add_applications(services, 1, slug="tonder", code="TON", applicant=None)
    csrf = login(client, services)
    assert client.get(f"/staff/sonderborg/applications/{own}").status_code == 200
    for url in (
        f"/staff/sonderborg/applications/{other}",  # Tønder's id under our municipality
        f"/staff/tonder/applications/{other}",  # not staff of Tønder
        "/staff/tonder/applications",
        "/staff/sonderborg/applications/99999999999",
        "/staff/sonderborg/applications/abc",
        f"/staff/sonderborg/applications/{own}/files/purpose",  # not an attachment
    ):
        assert client.get(url).status_code == 404, url
    answer = client.post(
        f"/staff/sonderborg/applications/{other}/decision",
        data={"decision": "reject", "reason": "x", "confirm": "1", "csrftoken": csrf},
    )
    assert answer.status_code == 404
    with transaction(services.db) as session:
        assert session.get(GrantApplication, other).status == Status.SUBMITTED.value


def test_the_table_filters_searches_sorts_and_pages(client: TestClient, services: Services) -> None:
    add_applications(services, 30)
    login(client, services)
    page = client.get("/staff/sonderborg/applications")
    assert "30 ansøgninger" in page.text and "SON-2027-0001" in page.text
    assert "SON-2027-0026" not in page.text and "Side 1 af 2" in page.text
    page = client.get("/staff/sonderborg/applications?page=2")
    assert "SON-2027-0026" in page.text and "SON-2027-0001" not in page.text
    page = client.get("/staff/sonderborg/applications?sort=-amount")
    assert page.text.index("SON-2027-0030") < page.text.index("SON-2027-0029")
    page = client.get("/staff/sonderborg/applications?q=10000007")  # a CVR number
    assert "1 ansøgning" in page.text and "Forening nr. 7" in page.text
    page = client.get("/staff/sonderborg/applications?q=nr.+12")
    assert "1 ansøgning" in page.text and "SON-2027-0012" in page.text
    page = client.get("/staff/sonderborg/applications?status=approved")
    assert "0 ansøgninger" in page.text


def test_a_partial_grant_on_the_web_tells_the_applicant_and_is_audited(
    client: TestClient, services: Services
) -> None:
    [app_id] = add_applications(services, 1)
    with transaction(services.db) as session:  # the staff member has written to the bot
        session.add(User(telegram_id=STAFF_ID, language="da", display_name="Anne"))
    csrf = login(client, services)
    url = f"/staff/sonderborg/applications/{app_id}/decision"
    detail = client.get(f"/staff/sonderborg/applications/{app_id}")
    # User text is escaped, the budget has its total.
    assert "&lt;b&gt;hver uge&lt;/b&gt;" in detail.text and "<b>hver uge" not in detail.text
    assert "I alt" in detail.text and "10.100 kr." in detail.text
    # Less than applied for needs a reason.
    answer = client.post(url, data={"decision": "approve", "amount": "6.000", "csrftoken": csrf})
    assert answer.status_code == 400 and "Skriv en begrundelse" in answer.text
    form = {
        "decision": "approve",
        "amount": "6.000 kr",
        "reason": "Bussen dækkes af en anden pulje.",
        "csrftoken": csrf,
    }
    confirm = client.post(url, data=form)
    assert "Du bevilger 6.000 kr. (ansøgt: 10.100 kr.)" in confirm.text
    with transaction(services.db) as session:
        assert session.get(GrantApplication, app_id).status == Status.SUBMITTED.value
    done = client.post(url, data={**form, "confirm": "1"})
    assert "Bevillingen er gemt" in done.text
    with transaction(services.db) as session:
        app = session.get(GrantApplication, app_id)
        assert app.status == Status.APPROVED.value and app.amount_granted == 600_000
        [notice] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == APPLICANT_ID)
        ).all()
        [entry] = session.scalars(select(AuditEntry)).all()
    assert "er bevilget" in notice.text and "6.000 kr." in notice.text
    assert "Begrundelse: Bussen dækkes af en anden pulje." in notice.text
    assert (entry.actor_telegram_id, entry.action, entry.channel) == (STAFF_ID, "approve", "web")
    assert entry.detail == {"amount": 600_000, "reason": "Bussen dækkes af en anden pulje."}
    assert "Kontrolpanel" in done.text and "Bussen dækkes" in done.text  # the log on the page
    assert f"<td>Anne ({STAFF_ID})</td>" in done.text  # a colleague's name, not a bare number
    # A second decision is refused: the first one stands.
    again = client.post(url, data={**form, "decision": "reject", "confirm": "1"})
    assert again.status_code == 409 and "allerede" in again.text


def test_the_export_is_in_danish_with_the_granted_amount(
    client: TestClient, services: Services
) -> None:
    add_applications(services, 2)
    login(client, services)
    answer = client.get("/staff/sonderborg/applications/export.csv")
    text = answer.content.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert "Bevilget beløb (kr.)" in header and "Begrundelse for afgørelsen" in header
    assert ";indsendt;" in first and "submitted" not in first
    assert answer.headers["content-disposition"].endswith('.csv"')
    xlsx = client.get("/staff/sonderborg/applications/export.xlsx")
    assert xlsx.content[:2] == b"PK"


def test_logging_out_ends_the_session(client: TestClient, services: Services) -> None:
    csrf = login(client, services)
    assert client.get("/staff/sonderborg/applications").status_code == 200
    client.post("/staff/logout", data={"csrftoken": csrf})
    assert client.get("/staff/sonderborg/applications").status_code == 401


def test_a_login_lasts_eight_hours(client: TestClient, services: Services) -> None:
    login(client, services)
    with time_machine.travel(time.time() + 7.9 * 3600, tick=False):
        assert client.get("/staff/sonderborg/applications").status_code == 200
    with time_machine.travel(time.time() + 8 * 3600 + 60, tick=False):
        assert client.get("/staff/sonderborg/applications").status_code == 401


def test_the_language_switch_shows_english_and_stays_in_the_dashboard(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    page = client.post(
        "/staff/language/en",
        data={"csrftoken": csrf, "next": "/staff/sonderborg/applications?status=approved"},
    )
    assert page.url.path == "/staff/sonderborg/applications"
    assert "§ 18 applications · Sønderborg Kommune" in page.text and "Log out" in page.text
    elsewhere = client.post(
        "/staff/language/da",
        data={"csrftoken": csrf, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/staff/"
