"""The Telegram channel: PTB updates in, conversation events through the core, replies out.

Handlers are thin: translate the update into an `Event`, call the core, send what it returns.
Every callback query is answered (even when the turn fails), replies to a pressed button edit that
message in place where the core asks for it, and user text is already escaped by the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.telegram_files import TelegramFiles
from bot.channels.telegram_http import AiohttpRequest
from bot.config import Settings
from bot.core.conversation import Conversation
from bot.core.events import Event, EventKind, IncomingDocument
from bot.core.replies import Button, OutgoingDocument, Reply
from bot.delivery.budget import BudgetRateLimiter
from bot.files import store
from bot.i18n import normalise_language, t
from bot.store.database import transaction

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
#: Commands shown in Telegram's menu, per language (`setMyCommands`).
COMMANDS = (
    "menu",
    "start",
    "help",
    "volunteer",
    "apply",
    "meetings",
    "award",
    "consultations",
    "company",
    "language",
    "cancel",
    "mydata",
    "deletedata",
    "staff",
)

#: The updates we ask Telegram for (polling and setWebhook): an edited message is read too, so a
#: corrected answer can replace the one just given (see `Conversation`).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

BackgroundTask = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]


def api_urls(base: str) -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` from `TELEGRAM_API_BASE_URL`.

    Accepts the server root (``http://127.0.0.1:8081``) or PTB's own form ending in ``/bot``.
    """
    root = base.rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def event_from_update(update: Update) -> Event | None:
    """The core's view of an update; None for updates we do not handle (edits, channel posts)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    common = {
        "language_code": user.language_code,
        "display_name": user.first_name,
        "update_id": update.update_id,
        "private_chat": chat.type == ChatType.PRIVATE,
    }
    query = update.callback_query
    if query is not None:
        message_id = query.message.message_id if isinstance(query.message, Message) else None
        return Event(
            EventKind.BUTTON,
            user.id,
            chat.id,
            payload=query.data or "",
            message_id=message_id,
            **common,  # type: ignore[arg-type]
        )
    message = update.message
    if message is None and update.edited_message is not None:
        edited = update.edited_message
        if edited.text is None:
            return None  # live-location updates and edited captions: nothing to answer
        return Event.from_text(
            user.id, chat.id, edited.text, edited=True, text_message_id=edited.message_id, **common
        )
    if message is None:
        return None
    if message.text is not None:
        return Event.from_text(
            user.id, chat.id, message.text, text_message_id=message.message_id, **common
        )
    if message.location is not None:
        return Event(
            EventKind.LOCATION,
            user.id,
            chat.id,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            **common,  # type: ignore[arg-type]
        )
    if message.document is not None:
        doc = message.document
        return Event(
            EventKind.DOCUMENT,
            user.id,
            chat.id,
            document=IncomingDocument(
                doc.file_id, doc.file_name or "dokument", doc.mime_type, doc.file_size
            ),
            **common,  # type: ignore[arg-type]
        )
    return Event(EventKind.UNSUPPORTED, user.id, chat.id, **common)  # type: ignore[arg-type]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return _markup(reply.buttons, reply.payloads)


@functools.lru_cache(maxsize=512)
def _markup(
    buttons: tuple[tuple[Button, ...], ...], payloads: tuple[tuple[str, ...], ...]
) -> InlineKeyboardMarkup:
    """Built once per distinct keyboard: the menu is most replies' keyboard, the same every time
    (PTB's markup objects are immutable, so sharing one is safe)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, web_app=WebAppInfo(b.web_app))
                if b.web_app
                else InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=p)
                for b, p in zip(row, row_payloads, strict=True)
            ]
            for row, row_payloads in zip(buttons, payloads, strict=True)
        ]
    )


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Cut a long message at line breaks so each part fits Telegram's limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


class ChatLocks:
    """One lock per chat, forgotten when nobody holds or waits for it.

    Updates are handled concurrently (a turn waiting for the NLU must not hold up other chats),
    but the updates of one chat in the order they came, so its replies never overtake each other.
    """

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class TelegramChannel:
    """Wires a `Conversation` into a PTB `Application`."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.chat_locks = ChatLocks()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update: answer the button press, run the turn, send the replies."""
        event = event_from_update(update)
        if event is None:
            return
        services = self.conversation.services
        if services.bot_username is None:
            # Known once the bot is initialised (getMe), whichever way it runs (polling, webhook,
            # tests that initialise the application without post_init).
            services.bot_username = context.bot.username
        if update.callback_query is not None:
            # Answer first: Telegram shows a spinner on the button until we do. A button in a
            # group (an old message from before frivillig kept out of groups) is answered with a
            # note only its presser sees, and goes no further.
            language = normalise_language(event.language_code)
            note = None if event.private_chat else t(language, "core.group.button")
            try:
                await update.callback_query.answer(note, show_alert=note is not None)
            except TelegramError:
                log.warning("callback.answer_failed", extra={"update_id": update.update_id})
            if note is not None:
                return
        async with self.chat_locks.hold(event.chat_id):
            replies = await self.conversation.handle(event)
            await self.send(context, event, replies)

    async def _telegram_file(self, document: OutgoingDocument) -> str | InputFile:
        """What `send_document` gets: a Telegram file id as it is; a file kept in our database
        (attached in the terminal chat, ``stored:…``) or a new document, as its bytes."""
        if document.file_id and not store.is_stored(document.file_id):
            return document.file_id
        content = document.content
        if document.file_id:
            file_id = document.file_id

            def load() -> bytes:
                with transaction(self.conversation.services.db) as session:
                    return store.content_of(session, file_id) or b""

            content = await asyncio.to_thread(load)
        return InputFile(content, filename=document.file_name)

    async def send(
        self, context: ContextTypes.DEFAULT_TYPE, event: Event, replies: Sequence[Reply]
    ) -> None:
        bot = context.bot
        for reply in replies:
            try:
                if reply.document is not None:
                    document = reply.document
                    await bot.send_document(
                        event.chat_id,
                        await self._telegram_file(document),
                        caption=document.caption or reply.text or None,
                        parse_mode=ParseMode.HTML,
                    )
                    continue
                parts = split_text(reply.text)
                editable = reply.edit and event.message_id is not None and len(parts) == 1
                if editable and await self._edit(context, event, reply):
                    continue
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    await bot.send_message(
                        event.chat_id,
                        part,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(reply) if last else None,
                        disable_web_page_preview=True,
                    )
            except Forbidden:
                log.info("send.blocked", extra={"chat_id": event.chat_id})
                return

    async def _edit(self, context: ContextTypes.DEFAULT_TYPE, event: Event, reply: Reply) -> bool:
        try:
            await context.bot.edit_message_text(
                reply.text,
                chat_id=event.chat_id,
                message_id=event.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
                disable_web_page_preview=True,
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            # Too old to edit, deleted, or not ours: a new message does the job.
            log.info("edit.fallback", extra={"update_id": event.update_id})
            return False
        return True

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything that escaped a turn: log it with the update id, tell the user, keep polling."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update.failed", exc_info=context.error, extra={"update_id": update_id})
        chat = update.effective_chat if isinstance(update, Update) else None
        # Never in a group: an error there would be noise for people who did nothing.
        if isinstance(update, Update) and chat is not None and chat.type == ChatType.PRIVATE:
            language = update.effective_user.language_code if update.effective_user else None
            try:
                await context.bot.send_message(
                    chat.id, t(language if language == "en" else "da", "core.error")
                )
            except TelegramError:
                log.warning("update.error_reply_failed", extra={"update_id": update_id})


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """`setMyCommands` in Danish (the default) and English."""
    for language, code in (("da", None), ("en", "en")):
        commands = [BotCommand(name, t(language, f"command.{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=code)


def remember_bot_username(application: Application, conversation: Conversation) -> None:  # type: ignore[type-arg]
    """Deep links (`t.me/<bot>?start=…`) need the bot's username, known once it is initialised."""
    services = conversation.services
    services.bot_username = services.settings.bot_username or application.bot.username


def build_application(
    settings: Settings,
    conversation: Conversation,
    *,
    background: Sequence[BackgroundTask] = (),
    rate_limiter: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The PTB application for `conversation`, talking to `TELEGRAM_API_BASE_URL` if set."""
    token = settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Bot API calls over aiohttp: half the client-side work of PTB's default (telegram_http.py).
    builder = ApplicationBuilder().token(token).request(AiohttpRequest())
    if settings.telegram_api_base_url:
        base_url, file_url = api_urls(settings.telegram_api_base_url)
        builder = builder.base_url(base_url).base_file_url(file_url)
    budget = conversation.services.budget
    if rate_limiter and budget is not None:
        # Replies draw on the bot's one budget first (broadcast rows wait while a reply does), so
        # replies and the outbox together stay within Telegram's ~30/s, across processes too.
        builder = builder.rate_limiter(BudgetRateLimiter(budget, max_retries=2))
    elif rate_limiter:
        # Without a shared budget the limiter only retries a reply that hit a 429.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]

    running: list[asyncio.Future[None]] = []

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        remember_bot_username(application, conversation)
        await register_commands(application)
        for task in background:
            # Each task ends by itself once the application stops running (see post_stop).
            running.append(asyncio.ensure_future(task(application)))

    async def post_stop(application: Application) -> None:  # type: ignore[type-arg]
        await asyncio.gather(*running, return_exceptions=True)
        running.clear()

    # Turns of different chats overlap (ChatLocks keeps each chat in order), so one user's slow
    # NLU call does not hold up everyone else.
    builder = builder.concurrent_updates(settings.concurrent_updates)
    application = builder.post_init(post_init).post_stop(post_stop).build()
    # Flows download files users sent (a staff member's CSV) through this port. Wired here, not in
    # post_init: the bot object exists from build() on, and webhook mode and the tests initialise
    # the application without post_init. It is only used inside turns, which run once the
    # application is initialised.
    conversation.services.files = TelegramFiles(application.bot)
    channel = TelegramChannel(conversation)
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(channel.on_error)
    return application
