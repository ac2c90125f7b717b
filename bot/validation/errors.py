"""The one way validators say no: a catalog key plus the numbers the message needs.

Validators never format user-facing text themselves; they raise `InvalidInput` with a key from
the message catalogs (``grants.po``) and raw parameters; the caller renders it in the user's
language.
"""

from __future__ import annotations

from collections.abc import Mapping


class InvalidInput(ValueError):
    """The answer cannot be used; `key` names the catalog message explaining what is expected."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: Mapping[str, object] = params
