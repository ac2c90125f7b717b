"""The conversation core: one event in, replies out, the chat's place saved in between.

Every channel (Telegram, the terminal chat, the tests) calls `Conversation.handle`. It loads the
user and the chat's dialogue state, routes the event (command, button, text for the current step,
free text for the NLU), and commits state changes and outbox rows in one transaction before any
reply leaves. A crash inside a turn therefore loses nothing: the state is as it was before it.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, event, exists, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.exc import StaleDataError

from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.faq_answers import answer_faq, answer_faq_topic, hand_over
from bot.core.flood import FloodLimit, FloodVerdict
from bot.core.flows.base import Flow
from bot.core.flows.onboarding import choose_language
from bot.core.group_chats import group_chat_replies
from bot.core.intents import IntentAction, IntentDecision, decide
from bot.core.replies import ButtonScope, Reply, coalesce, decode_payload
from bot.core.services import Services
from bot.core.turn import Turn
from bot.i18n import LANGUAGES, normalise_language, t
from bot.store.models import DialogueState, StaffRole, User
from nlu.client import NluResult, is_blank

log = logging.getLogger(__name__)

LAST_SEEN_RESOLUTION = timedelta(hours=1)
#: Where the dialogue state keeps the step-button actions already done (`Turn.done`), so that a
#: second tap on "send" says what was sent rather than that the button is old.
DONE_KEY = "_done"
#: How many of them a chat remembers: enough for the screens a person may scroll back to.
DONE_REMEMBERED = 5
#: Where the dialogue state keeps the last typed answer: its message id, the place it answered,
#: and the state's version right after it, so that editing that message can re-answer the step.
ANSWER_KEY = "_answer"
_RESERVED = (DONE_KEY, ANSWER_KEY)

#: Commands that open a journey, and the parameters they open it with.
COMMAND_JOURNEYS: Mapping[str, tuple[str, dict[str, str]]] = {
    "volunteer": ("volunteer", {}),
    "apply": ("grants", {}),
    "meetings": ("meetings", {}),
    "company": ("companies", {}),
    "staff": ("staff", {}),
    "award": ("award", {}),
    "consultations": ("consultations", {}),
    "mydata": ("privacy", {"action": "export"}),
    "deletedata": ("privacy", {"action": "delete"}),
}


# Built once: a turn's loads are its hottest statements, and building a statement costs about
# as much as running it on SQLite.
_USER = select(User).where(User.telegram_id == bindparam("user_id"))
_STATE = select(DialogueState).where(DialogueState.chat_id == bindparam("chat_id"))
_STATE_LOCKED = _STATE.with_for_update()
#: Whether the user works for any municipality: the menu shows them the staff entry. Read with
#: the load rather than by a query of its own when the menu is built (most turns show the menu).
_IS_STAFF = exists().where(StaffRole.telegram_id == User.telegram_id)
_USER_AND_STATE = (
    select(User, DialogueState, _IS_STAFF)
    .join(DialogueState, DialogueState.user_id == User.id)
    .where(User.telegram_id == bindparam("user_id"), DialogueState.chat_id == bindparam("chat_id"))
)
_USER_AND_STATE_LOCKED = _USER_AND_STATE.with_for_update(of=DialogueState)
_SAVE_STATE = (
    update(DialogueState)
    .where(
        DialogueState.chat_id == bindparam("saved_chat_id"),
        DialogueState.version == bindparam("expected_version"),
    )
    .values(version=DialogueState.version + 1)
)
#: A turn that wrote without moving the chat records its update only: the version (and so the
#: screen's buttons) stays. The turn holds the row (PostgreSQL's lock, SQLite's one process).
_RECORD_UPDATE = (
    update(DialogueState)
    .where(DialogueState.chat_id == bindparam("saved_chat_id"))
    .values(last_update_id=bindparam("update_id"))
)

#: `Session.info` key set once a session has written anything (a flush, or an INSERT, UPDATE or
#: DELETE statement): such a turn records its update, a read-only turn writes nothing.
WROTE = "frivillig.wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _without_reserved(data: dict[str, Any]) -> dict[str, Any]:
    """A step's own data, without what the core keeps beside it."""
    return {key: value for key, value in data.items() if key not in _RESERVED}


def _place(state: DialogueState) -> tuple[str, str, dict[str, Any]]:
    """Where a chat is, as a value (a deep copy: flows may change nested data in place)."""
    return state.journey, state.step, copy.deepcopy(state.data or {})


class Conversation:
    """Routes events to flows. Built once; safe to call concurrently for different chats."""

    def __init__(self, services: Services, flows: Mapping[str, Flow]) -> None:
        self.services = services
        self.flows = dict(flows)
        self.flood = FloodLimit(
            services.settings.flood_max_events, services.settings.flood_window_seconds
        )

    # --- entry point ----------------------------------------------------------------------------
    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event and return what to send back. Never raises for a flow's error."""
        started = time.perf_counter()
        verdict = self.flood.check(event.user_id)
        if verdict is not FloodVerdict.ALLOW:
            log.info("turn.flood", extra={"update_id": event.update_id, "user_id": event.user_id})
            if verdict is FloodVerdict.WARN:
                return [Reply(t(self._language_hint(event), "core.slow_down"))]
            return []
        if not event.private_chat:
            # Before any load: a group chat gets no user, no dialogue state, no flow.
            return group_chat_replies(
                event,
                db=self.services.db,
                now=self.services.clock(),
                bot_username=self.services.bot_username,
                journeys={command: journey for command, (journey, _) in COMMAND_JOURNEYS.items()},
            )
        for attempt in (1, 2):
            try:
                replies = await self._handle_once(event)
            except StaleDataError:
                # Another worker saved this chat's state between our read and our write: the
                # whole turn is retried on the fresh state (its work was rolled back).
                log.info("turn.retry", extra={"update_id": event.update_id, "attempt": attempt})
                continue
            except DBAPIError as error:
                if error.connection_invalidated and attempt == 1:
                    # The database dropped the connection (restart, failover): the pool has
                    # discarded it, and the turn is retried once on a fresh one.
                    log.warning("turn.reconnect", extra={"update_id": event.update_id})
                    continue
                return self._failed(event)
            except Exception:
                return self._failed(event)
            log.info(
                "turn.done",
                extra={
                    "update_id": event.update_id,
                    "user_id": event.user_id,
                    "kind": event.kind.value,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return replies
        return [Reply(t(self._language_hint(event), "core.busy"))]

    def _failed(self, event: Event) -> list[Reply]:
        """A turn that raised: logged with the update id (never the user's text), nothing saved,
        and the user told to try again."""
        log.exception("turn.failed", extra={"update_id": event.update_id, "user_id": event.user_id})
        return [Reply(t(self._language_hint(event), "core.error"))]

    async def _handle_once(self, event: Event) -> list[Reply]:
        with self.services.db.unit_of_work() as uow:
            session = uow.session
            user, state, staff = self._load(session, event)
            place = _place(state)
            turn = Turn(
                session,
                self.services,
                user,
                state,
                edit_allowed=event.message_id is not None,
                navigator=self,
                staff=staff,
            )
            if self.handled_before(state, event):
                # Its turn was saved, but its worker died before acknowledging it, so Telegram
                # delivered it again. Handling it twice would read a typed answer as the answer
                # to the next question; instead the chat's current question is asked again
                # (the reply the dead worker may not have sent) and nothing is written.
                log.info("turn.redelivered", extra={"update_id": event.update_id})
                await self.show_current(turn)
                return [reply.with_payloads(state.version) for reply in coalesce(turn.replies)]
            await self.route(turn, event)
            self._keep_done(state, place[2], turn.done_actions)
            self._touch_user(user)
            if _place(state) != place:
                self._save_state(session, state, user, event.update_id)
            elif session.info.get(WROTE) or session.new or session.dirty or session.deleted:
                self._record_update(session, state, user, event.update_id)
            replies = [reply.with_payloads(state.version) for reply in coalesce(turn.replies)]
            uow.commit()
        return replies

    @staticmethod
    def handled_before(state: DialogueState, event: Event) -> bool:
        """Whether `event` is an update whose turn already wrote this chat's state (the id is
        saved in that turn's transaction). Equality, not ≤: Telegram's update ids grow, but
        start again at a random number after a week without updates
        (https://core.telegram.org/bots/api#update)."""
        return event.update_id is not None and state.last_update_id == event.update_id

    def _record_update(
        self, session: Session, state: DialogueState, user: User, update_id: int | None
    ) -> None:
        """Record `update_id` as handled for a turn that wrote something but did not move the
        chat (an interest, an RSVP, a file), in the turn's own transaction."""
        if update_id is None or sa_inspect(user).deleted or user in session.deleted:
            return
        session.connection().execute(
            _RECORD_UPDATE, {"saved_chat_id": state.chat_id, "update_id": update_id}
        )
        state.last_update_id = update_id

    @staticmethod
    def _keep_done(state: DialogueState, before: dict[str, Any], new: list[dict[str, Any]]) -> None:
        """Carry the chat's record of done actions across moves (a flow's `goto` replaces its
        data), adding this turn's."""
        kept = list(before.get(DONE_KEY) or [])
        if not new and not kept:
            return
        done = (kept + new)[-DONE_REMEMBERED:]
        if (state.data or {}).get(DONE_KEY) != done:
            state.data = {**(state.data or {}), DONE_KEY: done}

    def _save_state(
        self, session: Session, state: DialogueState, user: User, update_id: int | None = None
    ) -> None:
        """Write the chat's new place with the next version, and the update that moved it
        (`handled_before`), unless another turn wrote first.

        Only a turn that moved the chat writes: the buttons of a screen stay valid for as long
        as the chat is on it (showing a document or an answer in between does not stale them).
        The state is kept out of the session (see `_load`), so this one UPDATE is its only
        write; the ORM's flush machinery would cost more than the statement itself.
        """
        if sa_inspect(user).deleted or user in session.deleted:
            return  # erased during this turn (/deletedata), the state with it
        result = session.connection().execute(
            _SAVE_STATE,
            {
                "saved_chat_id": state.chat_id,
                "expected_version": state.version,
                "journey": state.journey,
                "step": state.step,
                "data": state.data,
                "updated_at": self.services.clock(),
                "last_update_id": update_id,
            },
        )
        if result.rowcount != 1:
            raise StaleDataError(f"dialogue state of chat {state.chat_id} changed meanwhile")
        state.version += 1
        state.last_update_id = update_id

    def _load(self, session: Session, event: Event) -> tuple[User, DialogueState, bool | None]:
        """The user, the chat's state and whether the user is staff anywhere: one query for a
        chat we know (nearly every turn); None for "staff" when it was not read (`Turn.staff`).

        On PostgreSQL the state row is locked, which serialises the turns of one chat across
        webhook workers: the second waits for the first.
        """
        query = _USER_AND_STATE_LOCKED if self.services.db.is_postgres else _USER_AND_STATE
        row = session.execute(query, {"chat_id": event.chat_id, "user_id": event.user_id}).first()
        staff: bool | None = None
        if row is not None:
            user, state, staff = row[0], row[1], bool(row[2])
        else:
            # A newcomer, a chat not seen before, or a group chat another member started.
            user = self._load_user(session, event)
            state = self._load_state(session, event, user)
        session.expunge(state)  # saved by `_save_state`, not by the session's flush
        return user, state, staff

    def _load_user(self, session: Session, event: Event) -> User:
        user = session.scalars(_USER, {"user_id": event.user_id}).one_or_none()
        now = self.services.clock()
        if user is None:
            user = User(
                telegram_id=event.user_id,
                display_name=event.display_name,
                first_seen=now,
                last_seen=now,
            )
            session.add(user)
            session.flush()
        return user

    def _touch_user(self, user: User) -> None:
        """Mark the user as seen, after the turn's work.

        Not before routing: on SQLite the first write takes the database's write lock, and a
        turn that waits for the NLU while holding it would stall every other chat's turn.
        """
        if sa_inspect(user).deleted:  # erased during this turn (/deletedata)
            return
        now = self.services.clock()
        # To the hour is all retention needs; it spares an UPDATE on most turns.
        if now - user.last_seen >= LAST_SEEN_RESOLUTION:
            user.last_seen = now
        if user.blocked_bot:  # they wrote to us, so they have unblocked the bot
            user.blocked_bot = False

    def _load_state(self, session: Session, event: Event, user: User) -> DialogueState:
        query = _STATE_LOCKED if self.services.db.is_postgres else _STATE
        state = session.scalars(query, {"chat_id": event.chat_id}).one_or_none()
        if state is None:
            state = DialogueState(
                chat_id=event.chat_id,
                user_id=user.id,
                journey="onboarding" if not user.onboarded else "menu",
                step="language" if not user.onboarded else "main",
                data={"language_hint": normalise_language(event.language_code)},
            )
            session.add(state)
            session.flush()
        return state

    def _language_hint(self, event: Event) -> str:
        return normalise_language(event.language_code)

    # --- routing --------------------------------------------------------------------------------
    def flow(self, journey: str) -> Flow | None:
        return self.flows.get(journey)

    def has_journey(self, journey: str) -> bool:
        """Whether this deployment offers `journey` (part of the `Navigator` port)."""
        return journey in self.flows

    async def route(self, turn: Turn, event: Event) -> None:
        if event.edited:
            await self._edited(turn, event)
        elif event.kind is EventKind.COMMAND:
            await self._command(turn, event)
        elif event.kind is EventKind.BUTTON:
            await self._button(turn, event)
        elif event.kind is EventKind.UNSUPPORTED:
            turn.say("core.unsupported")
            await self.show_current(turn)
        elif event.kind is EventKind.RESUME:
            # The question the chat was at, asked again: "næste gang fortsætter du, hvor du slap".
            await self.show_current(turn)
        elif not turn.user.onboarded:
            await self.current_flow(turn).on_event(turn, event, None)
        elif event.kind is EventKind.TEXT:
            await self._text(turn, event)
        elif event.kind is EventKind.LOCATION:
            await self._location_or_document(turn, event, "core.location_not_expected")
        elif event.kind is EventKind.DOCUMENT:
            await self._location_or_document(turn, event, "core.document_not_expected")

    def current_flow(self, turn: Turn) -> Flow:
        return self.flows.get(turn.journey) or self.flows["menu"]

    async def show_current(self, turn: Turn) -> None:
        await self.current_flow(turn).show(turn)

    async def open_journey(self, turn: Turn, journey: str, **params: object) -> None:
        """Start a journey, or say honestly that it is not there yet and show the menu."""
        if not turn.user.onboarded:
            turn.say("core.finish_onboarding_first")
            await self.show_current(turn)
            return
        flow = self.flows.get(journey)
        if flow is None:
            turn.say("core.coming_soon")
            await navigation.show_menu(turn)
            return
        await flow.start(turn, **params)

    async def _command(self, turn: Turn, event: Event) -> None:
        command = event.command or ""
        if command == "start":
            await self._start(turn, event)
        elif command == "help":
            navigation.show_help(turn)
            if not turn.user.onboarded:
                await self.show_current(turn)
        elif command == "cancel":
            await self.cancel(turn)
        elif command == "language":
            navigation.show_language_picker(turn)
        elif command == "menu":
            await self._to_menu(turn)
        elif command in COMMAND_JOURNEYS:
            journey, params = COMMAND_JOURNEYS[command]
            await self.open_journey(turn, journey, **params)
        else:
            turn.say("core.unknown_command", command=command[:40])
            await self.show_current(turn)

    async def _start(self, turn: Turn, event: Event) -> None:
        """`/start`: onboarding for a newcomer; for everyone else the menu, keeping everything.

        A deep link (`t.me/<bot>?start=<journey>-<arg>`) opens that journey after onboarding; a
        newcomer is onboarded first and the link is remembered until then.
        """
        link = event.args.strip()
        if not turn.user.onboarded:
            if link:
                turn.remember(deep_link=link[:64])
            await self.show_current(turn)
            return
        if link and await self.follow_deep_link(turn, link):
            return
        await self._to_menu(turn)

    async def follow_deep_link(self, turn: Turn, link: str) -> bool:
        journey, _, arg = link.partition("-")
        flow = self.flows.get(journey)
        if flow is None:
            return False
        await flow.start(turn, deep_link=arg)
        return True

    async def _to_menu(self, turn: Turn) -> None:
        if not turn.user.onboarded:
            await self.show_current(turn)
            return
        await navigation.show_menu(turn)

    async def cancel(self, turn: Turn) -> None:
        """`/cancel` anywhere: leave the journey (drafts stay saved) and show the menu."""
        if not turn.user.onboarded:
            turn.say("core.cancel_onboarding")
            await self.show_current(turn)
            return
        if turn.journey == "menu":
            turn.say("core.nothing_to_cancel")
        else:
            turn.say("core.cancelled")
        await navigation.show_menu(turn)

    async def _button(self, turn: Turn, event: Event) -> None:
        decoded = decode_payload(event.payload or "")
        if decoded is None:
            log.warning("button.forged", extra={"update_id": event.update_id})
            turn.say("core.stale_button")
            await self.show_current(turn)
            return
        if decoded.scope is ButtonScope.GLOBAL:
            await self._global_button(turn, decoded.value)
            return
        if decoded.version != turn.state.version:
            if not self._say_done(turn, decoded.version, decoded.value):
                turn.say("core.stale_button")
            await self.show_current(turn)
            return
        turn.pressed = decoded.value
        await self.current_flow(turn).on_event(turn, event, decoded.value)

    def _say_done(self, turn: Turn, version: int | None, value: str) -> bool:
        """A stale press of a button whose action was already done: say what was done (see
        `Turn.done`). False when this press did nothing we remember."""
        for done in reversed(turn.data.get(DONE_KEY) or []):
            if done.get("version") == version and done.get("value") == value:
                button = done.get("button")
                buttons = [[turn.global_button(button[0], button[1])]] if button else []
                turn.say(done["key"], buttons=buttons, **(done.get("params") or {}))
                return True
        return False

    async def _global_button(self, turn: Turn, value: str) -> None:
        head, *args = value.split(":")
        if head == "lang" and args:
            await self._set_language(turn, args[0])
            return
        if head == "langpick":
            navigation.show_language_picker(turn)
            return
        if head == "menu" or not turn.user.onboarded:
            if not turn.user.onboarded:
                turn.say("core.finish_onboarding_first")
            await self._to_menu(turn)
            return
        if head == "go" and args:
            await self.open_journey(turn, args[0])
            return
        if head == "help":
            navigation.show_help(turn)
            await navigation.show_menu(turn)
            return
        if head == "faq" and args:
            answer_faq_topic(turn, args[0])
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        flow = self.flows.get(head)
        if flow is not None and args and await flow.on_global(turn, args[0], args[1:]):
            return
        turn.say("core.stale_button")
        await self.show_current(turn)

    async def _text(self, turn: Turn, event: Event) -> None:
        text = event.text or ""
        limit = self.services.settings.max_text_length
        flow = self.current_flow(turn)
        if flow.expects_text(turn.step):
            if len(text) > limit:
                turn.say("core.text_too_long", length=len(text), limit=limit)
                await flow.show(turn)
                return
            answered = (turn.journey, turn.step, _without_reserved(turn.data))
            await flow.on_event(turn, event, None)
            if event.text_message_id is not None and flow.accepts_edit(answered[1]):
                journey, step, data = answered
                turn.remember(
                    **{
                        ANSWER_KEY: {
                            "message_id": event.text_message_id,
                            "journey": journey,
                            "step": step,
                            "data": data,
                            # This turn saves (the data changed), so the chat's next version.
                            "version": turn.state.version + 1,
                        }
                    }
                )
            return
        await self._free_text(turn, text[:limit])

    async def _edited(self, turn: Turn, event: Event) -> None:
        """An edited text message. When it is the answer the chat's current step follows from,
        and nothing has moved since (same version), that step is answered again with the new
        text; otherwise the user is told once that edits are not read, and what to do."""
        answer = turn.data.get(ANSWER_KEY)
        flow = self.flows.get(answer.get("journey", "")) if isinstance(answer, dict) else None
        if (
            isinstance(answer, dict)
            and flow is not None
            and turn.user.onboarded
            and answer.get("message_id") == event.text_message_id
            and answer.get("version") == turn.state.version
            and flow.accepts_edit(str(answer.get("step")))
        ):
            done = turn.data.get(DONE_KEY)
            turn.goto(
                answer["journey"],
                answer["step"],
                {**answer.get("data", {}), **({DONE_KEY: done} if done else {})},
            )
            turn.say("core.edit_used")
            await self._text(turn, replace(event, edited=False))
            return
        turn.say("core.edit_not_read")

    async def _location_or_document(self, turn: Turn, event: Event, not_expected: str) -> None:
        flow = self.current_flow(turn)
        accepts = (
            flow.expects_location(turn.step)
            if event.kind is EventKind.LOCATION
            else flow.expects_document(turn.step)
        )
        if accepts:
            await flow.on_event(turn, event, None)
            return
        turn.say(not_expected)
        await flow.show(turn)

    # --- free text --------------------------------------------------------------------------------
    async def _free_text(self, turn: Turn, text: str) -> None:
        """Text no step waits for: the NLU reads it, `decide` picks the action, the core acts."""
        if is_blank(text):
            # Nothing to read (spaces, an "invisible" filler): not understood, not sent to Rasa.
            decision = IntentDecision(IntentAction.UNSURE)
        elif turn.services.nlu is None:
            decision = IntentDecision(IntentAction.UNAVAILABLE)
        else:
            result: NluResult = await turn.services.nlu.parse(text)
            log.info(
                "nlu.parsed",
                extra={
                    "status": result.status.value,
                    "intent": result.intent,
                    "confidence": result.confidence,
                },
            )
            decision = decide(result)
        await self._act(turn, decision, text)

    async def _act(self, turn: Turn, decision: IntentDecision, text: str) -> None:
        action = decision.action
        if action is IntentAction.UNAVAILABLE:
            turn.say("nlu.unavailable")
            await navigation.show_menu(turn)
        elif action is IntentAction.UNSURE:
            turn.say("nlu.unsure")
            await navigation.show_menu(turn)
        elif action is IntentAction.SAY and decision.key:
            turn.say(decision.key)
            await navigation.show_menu(turn, intro="menu.title_short")
        elif action is IntentAction.HELP:
            navigation.show_help(turn)
            await navigation.show_menu(turn, intro="menu.title_short")
        elif action is IntentAction.CANCEL:
            await self.cancel(turn)
        elif action is IntentAction.LANGUAGE:
            navigation.show_language_picker(turn)
        elif action is IntentAction.OPEN and decision.journey:
            if decision.key:
                turn.say(decision.key)
            await self.open_journey(turn, decision.journey, **decision.params)
        elif action is IntentAction.HAND_OVER:
            hand_over(turn, "volunteer")
            await navigation.show_menu(turn, intro="menu.title_short")
        elif action is IntentAction.FAQ and decision.intent:
            if answer_faq(turn, decision.intent, text):
                await navigation.show_menu(turn, intro="menu.title_short")
        else:
            turn.say("nlu.unsure")
            await navigation.show_menu(turn)

    async def _set_language(self, turn: Turn, code: str) -> None:
        """Switch the user's language (a global button, valid from any message)."""
        if code not in LANGUAGES:
            turn.say("core.stale_button")
            await self.show_current(turn)
            return
        if not turn.user.onboarded:
            await choose_language(turn, code)
            return
        turn.user.language = code
        turn.reply(t(code, "language.changed", language=t(code, f"language.name.{code}")))
        navigation.say_if_partly_translated(turn, code)
        await self.show_current(turn)
