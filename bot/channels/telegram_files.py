"""Downloading files users sent to the bot: the Telegram side of the core's `FileSource` port."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.core.services import FileTooLargeError, FileUnavailableError

log = logging.getLogger(__name__)


class TelegramFiles:
    """`getFile`, then the download from Telegram's file URL, refusing files over a size.

    The size Telegram reports is checked before anything is downloaded, and the downloaded bytes
    once more (a file's size is optional in the Bot API), so a large file never fills memory
    unnoticed. Telegram's own errors become the port's, so flows never see Telegram types.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        try:
            file = await self._bot.get_file(file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                raise FileTooLargeError(f"{file.file_size} bytes")
            content = await file.download_as_bytearray()
        except TelegramError as error:
            # Expired or forged file id, a file over Telegram's 20 MB download limit, network.
            log.warning("files.download_failed", extra={"error": type(error).__name__})
            raise FileUnavailableError(str(error)) from error
        except RuntimeError as error:  # PTB: the file has no path, so it cannot be downloaded
            raise FileUnavailableError(str(error)) from error
        if len(content) > max_bytes:
            raise FileTooLargeError(f"{len(content)} bytes")
        return bytes(content)
