"""Files attached in the terminal chat under /mydata and /deletedata: exported with the rest;
erased, except an attachment of a sent application, which the municipality keeps (unlinked)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.conversation import Conversation
from bot.files import store
from bot.files.models import StoredFile
from bot.grants.models import GrantApplication, Status
from bot.store.base import utcnow
from bot.store.database import transaction
from bot.store.models import User
from tests.fakes.chat import ChatDriver


def _application(session: Session, user_id: int, status: str, file_id: str, key: str) -> None:
    session.add(
        GrantApplication(
            user_id=user_id,
            municipality_slug="sonderborg",
            round_key=key,
            status=status,
            answers={"statutes": {"file_id": file_id, "file_name": "v.pdf"}},
        )
    )


async def test_stored_files_are_exported_and_erased_unless_a_sent_application_keeps_them(
    onboarded_chat: ChatDriver, conversation: Conversation
) -> None:
    me = onboarded_chat.user_id
    with transaction(conversation.services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == me)).one()

        def keep(content: bytes, name: str) -> str:
            return store.keep(
                session, content, file_name=name, mime_type=None, uploaded_by=me, now=utcnow()
            )

        sent, draft, loose = (
            keep(b"sent", "sendt.pdf"),
            keep(b"draft", "kladde.pdf"),
            keep(b"x", "x"),
        )
        _application(session, user.id, Status.SUBMITTED.value, sent, "2027")
        _application(session, user.id, Status.DRAFT.value, draft, "2028")
        other = store.keep(
            session, b"theirs", file_name="a.pdf", mime_type=None, uploaded_by=me + 1, now=utcnow()
        )

    replies = await onboarded_chat.send("/mydata")
    [document] = [r.document for r in replies if r.document is not None]
    exported = json.loads(document.content)["sections"]["stored_files"]["files"]
    assert [f["file_name"] for f in exported] == ["sendt.pdf", "kladde.pdf", "x"]
    assert exported[0]["content"] == {"base64": "c2VudA=="}

    await onboarded_chat.send("/deletedata")
    await onboarded_chat.press("Ja, slet")

    with transaction(conversation.services.db) as session:
        left = {f.file_name: f.uploaded_by for f in session.scalars(select(StoredFile))}
        assert left == {"sendt.pdf": None, "a.pdf": me + 1}
        assert store.content_of(session, sent) == b"sent"  # staff can still open it
        assert store.content_of(session, draft) is None and store.content_of(session, loose) is None
        assert store.content_of(session, other) == b"theirs"
