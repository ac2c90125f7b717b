"""The dashboard's »Nyheder« and »Høringer« through HTTP (Starlette's test client): a news item
written on the web is held to the chat's rules, previewed as recipients get it, sent once through
the outbox and audited from the web; consultations are listed with their answers and exported as
in chat; other municipalities and token-less posts are refused."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.consultations import service as consultations
from bot.core.services import Services
from bot.delivery.models import Broadcast
from bot.staff.models import AuditEntry
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from bot.web.app import build_web_app
from tests.unit.web.seed import STAFF_ID, add_staff
from tests.unit.web.test_dashboard import login

NEW = "/staff/sonderborg/notices/new"


def add_citizens(services: Services, languages: dict[int, str], slug: str = "sonderborg") -> None:
    with transaction(services.db) as session:
        for telegram_id, lang in languages.items():
            session.add(
                User(telegram_id=telegram_id, language=lang, municipality_slug=slug,
                     consent_notices=True, onboarded=True)
            )  # fmt: skip


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    add_staff(services)
    add_staff(services, telegram_id=8001, slug="tonder")
    add_citizens(services, {9001: "da", 9002: "da", 9003: "en"})
    with TestClient(build_web_app(services), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def _key(html: str) -> str:
    found = re.search(r'name="draft_key" value="(web-[0-9a-f]{32})"', html)
    assert found, html
    return found.group(1)


def _form(csrf: str, key: str, **fields: str) -> dict[str, str]:
    return {
        "csrftoken": csrf,
        "draft_key": key,
        "kind": "news",
        "title": "Ny frivillighedspris",
        "body": "Indstil en frivillig <inden> 1. marts.",
        "audience": "citizens",
        **fields,
    }


def test_a_news_item_is_checked_previewed_sent_once_and_audited_from_the_web(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    form = client.get(NEW)
    assert form.status_code == 200 and "Skriv en nyhed" in form.text
    key = _key(form.text)

    # The chat's rule: a headline of 3–200 characters.
    short = client.post(NEW, data=_form(csrf, key, title="Ny"))
    assert short.status_code == 400 and "mellem 3 og 200 tegn" in short.text
    assert "Indstil en frivillig &lt;inden&gt; 1. marts." in short.text  # kept as typed, escaped

    preview = client.post(NEW, data=_form(csrf, key))
    assert preview.status_code == 200
    assert "Nyheden sendes til 3 modtagere" in preview.text
    # Each language the recipients read, as the message they get (without Telegram's markup).
    assert "På dansk (2 modtagere)" in preview.text and "På engelsk (1 modtager)" in preview.text
    assert "Nyt: Ny frivillighedspris" in preview.text
    assert "News: Ny frivillighedspris" in preview.text
    assert "Indstil en frivillig &lt;inden&gt; 1. marts." in preview.text
    with transaction(services.db) as session:
        assert not session.scalars(select(OutboxMessage)).all()  # a preview sends nothing

    back = client.post(NEW, data=_form(csrf, key, confirm="back"))
    assert back.status_code == 200 and 'value="Ny frivillighedspris"' in back.text

    sent = client.post(NEW, data=_form(csrf, key, confirm="1"), follow_redirects=False)
    assert sent.status_code == 303
    again = client.post(NEW, data=_form(csrf, key, confirm="1"), follow_redirects=False)
    assert again.headers["location"] == sent.headers["location"]  # the double click: one send
    tally = client.get(sent.headers["location"])
    assert "Ny frivillighedspris" in tally.text and 'id="tally-waiting">3<' in tally.text

    with transaction(services.db) as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)).all()
        [broadcast] = session.scalars(select(Broadcast))
        [entry] = session.scalars(select(AuditEntry))
    assert [m.chat_id for m in messages] == [9001, 9002, 9003]
    assert "<b>Nyt: Ny frivillighedspris</b>" in messages[0].text
    assert "&lt;inden&gt;" in messages[0].text and "News: " in messages[2].text
    assert (entry.subject_kind, entry.subject_id, entry.action, entry.channel) == (
        "notice",
        broadcast.id,
        "notice_sent",
        "web",
    )
    assert entry.actor_telegram_id == STAFF_ID

    listing = client.get("/staff/sonderborg/notices")
    assert "Ny frivillighedspris" in listing.text
    log = listing.text[listing.text.index('id="audit"') :]
    assert "Nyhed sendt" in log and "Kontrolpanel" in log and str(STAFF_ID) in log


def test_a_forged_kind_or_audience_is_refused_and_sends_nothing(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    key = _key(client.get(NEW).text)
    for forged in ({"kind": "advert"}, {"audience": "everyone"}):
        answer = client.post(NEW, data=_form(csrf, key, confirm="1", **forged))
        assert answer.status_code == 400, forged
    with transaction(services.db) as session:
        assert not session.scalars(select(Broadcast)).all()


def test_another_municipality_and_a_post_without_token_are_refused(
    client: TestClient, services: Services
) -> None:
    csrf = login(client, services)
    key = _key(client.get(NEW).text)
    for url in ("/staff/tonder/notices", "/staff/tonder/notices/new"):
        assert client.get(url).status_code == 404, url
    foreign = client.post("/staff/tonder/notices/new", data=_form(csrf, key, confirm="1"))
    assert foreign.status_code == 404
    no_token = _form(csrf, key, confirm="1")
    del no_token["csrftoken"]
    assert client.post(NEW, data=no_token).status_code == 403
    with transaction(services.db) as session:
        assert not session.scalars(select(Broadcast)).all()


def _consultation(services: Services, slug: str, staff: int, key: str) -> int:
    now = services.clock()
    with transaction(services.db) as session:
        consultation, _, _ = consultations.send(
            session,
            staff,
            consultations.Draft(
                key=key, municipality=slug, title="Ny frivillighedspolitik",
                summary="Læs udkastet og sig jeres mening.", document_file_id="tg-doc",
                document_name="udkast.pdf", deadline=now + timedelta(days=14),
                audience="citizens",
            ),
            now,
        )  # fmt: skip
        if slug == "sonderborg":
            user = session.scalars(select(User).where(User.telegram_id == 9001)).one()
            consultations.give_answer(
                session, consultation.id, user, text="Flere <midler> til foreningerne.",
                file_id=None, file_name=None, now=now,
            )  # fmt: skip
        return consultation.id


def test_consultations_are_listed_with_their_answers_and_exported_as_in_chat(
    client: TestClient, services: Services
) -> None:
    login(client, services)
    own = _consultation(services, "sonderborg", STAFF_ID, "c-1")
    foreign = _consultation(services, "tonder", 8001, "c-2")
    page = client.get("/staff/sonderborg/consultations")
    assert page.status_code == 200
    row = re.search(rf'<tr id="consultation-{own}">(.*?)</tr>', page.text, re.S)
    assert row, page.text
    cells = re.findall(r'<td class="number">(\d+)</td>', row.group(1))
    assert cells == ["3", "1"]  # three recipients, one answer
    assert "Ny frivillighedspolitik" in row.group(1) and "åben" in row.group(1)
    assert f"consultation-{foreign}" not in page.text

    csv = client.get(f"/staff/sonderborg/consultations/{own}/answers.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Flere <midler> til foreningerne." in text and "Svar" in text.splitlines()[0]
    xlsx = client.get(f"/staff/sonderborg/consultations/{own}/answers.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert "Flere <midler> til foreningerne." in [c.value for c in sheet[2]]

    for url in (
        f"/staff/sonderborg/consultations/{foreign}/answers.csv",
        f"/staff/tonder/consultations/{foreign}/answers.csv",
        "/staff/tonder/consultations",
        f"/staff/sonderborg/consultations/{own}/answers.pdf",
    ):
        assert client.get(url).status_code == 404, url
