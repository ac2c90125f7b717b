"""The chat screens of the grant journeys: the citizen's application (`flow.py` with its mixins
`form_steps.py` and `my_applications.py`, helpers in `common.py`) and staff's review
(`staff.py`). The domain they show (service, fields, schemes, documents …) is in `bot.grants`."""
