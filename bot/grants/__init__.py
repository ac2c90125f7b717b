"""§ 18 grant applications: schemes per municipality, the form walker, validation and documents.

Pure logic with no database and no Telegram: the conversation layer stores `answers` (a JSON
object keyed by field key) and calls into `forms`, `fields`, `eligibility` and `documents`.
"""
