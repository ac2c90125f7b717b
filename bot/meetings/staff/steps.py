"""The steps of ``staff_meetings``. Three machines share the journey, told apart in saved states
by a prefix: "m:" the meeting wizard, "e:" changing a meeting, "n:" a notice; "home", "meeting",
"cancel" and "discard" (the confirmation before either wizard's draft is thrown away) have
none. The values are what `DialogueState.step` holds, so they never change.
"""

from __future__ import annotations

from enum import StrEnum

JOURNEY = "staff_meetings"
#: The wizard's questions in order; those in TEXT_FIELDS are answered by typing.
FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "agenda",
    "capacity",
    "per_association",
    "rsvp_deadline",
    "audience",
    "questions_enabled",
)
TEXT_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "agenda",
    "capacity",
    "per_association",
    "rsvp_deadline",
)


class StaffMeetingStep(StrEnum):
    """`staff_meetings`' steps; the values are what `DialogueState.step` holds."""

    HOME = "home"
    MEETING = "meeting"
    CANCEL = "cancel"
    #: The kind of event (issue 18): asked first by »Nyt arrangement«; »Nyt dialogmøde« sets it.
    WIZARD_KIND = "m:kind"
    WIZARD_TITLE = "m:title"
    WIZARD_STARTS_AT = "m:starts_at"
    WIZARD_ENDS_AT = "m:ends_at"
    WIZARD_PLACE = "m:place"
    WIZARD_ADDRESS = "m:address"
    WIZARD_AGENDA = "m:agenda"
    WIZARD_CAPACITY = "m:capacity"
    WIZARD_PER_ASSOCIATION = "m:per_association"
    WIZARD_RSVP_DEADLINE = "m:rsvp_deadline"
    WIZARD_AUDIENCE = "m:audience"
    WIZARD_QUESTIONS_ENABLED = "m:questions_enabled"
    WIZARD_PREVIEW = "m:preview"
    WIZARD_FIX = "m:fix"
    EDIT_PICK = "e:pick"
    EDIT_TITLE = "e:title"
    EDIT_STARTS_AT = "e:starts_at"
    EDIT_ENDS_AT = "e:ends_at"
    EDIT_PLACE = "e:place"
    EDIT_ADDRESS = "e:address"
    EDIT_AGENDA = "e:agenda"
    NOTICE_KIND = "n:kind"
    NOTICE_TITLE = "n:title"
    NOTICE_BODY = "n:body"
    NOTICE_AUDIENCE = "n:audience"
    NOTICE_PREVIEW = "n:preview"
    #: »Er du sikker?« before a meeting or notice draft is discarded (issue 12).
    DISCARD = "discard"


#: The wizard step that asks for each field (`FIELDS`), chosen at run time: the first missing.
WIZARD_STEPS = {
    "kind": StaffMeetingStep.WIZARD_KIND,
    "title": StaffMeetingStep.WIZARD_TITLE,
    "starts_at": StaffMeetingStep.WIZARD_STARTS_AT,
    "ends_at": StaffMeetingStep.WIZARD_ENDS_AT,
    "place": StaffMeetingStep.WIZARD_PLACE,
    "address": StaffMeetingStep.WIZARD_ADDRESS,
    "agenda": StaffMeetingStep.WIZARD_AGENDA,
    "capacity": StaffMeetingStep.WIZARD_CAPACITY,
    "per_association": StaffMeetingStep.WIZARD_PER_ASSOCIATION,
    "rsvp_deadline": StaffMeetingStep.WIZARD_RSVP_DEADLINE,
    "audience": StaffMeetingStep.WIZARD_AUDIENCE,
    "questions_enabled": StaffMeetingStep.WIZARD_QUESTIONS_ENABLED,
}
#: The field each wizard question step asks for.
WIZARD_FIELD = {step: field for field, step in WIZARD_STEPS.items()}
#: The step that takes a new value of each field staff may change (`service.EDITABLE`).
EDIT_STEPS = {
    "title": StaffMeetingStep.EDIT_TITLE,
    "starts_at": StaffMeetingStep.EDIT_STARTS_AT,
    "ends_at": StaffMeetingStep.EDIT_ENDS_AT,
    "place": StaffMeetingStep.EDIT_PLACE,
    "address": StaffMeetingStep.EDIT_ADDRESS,
    "agenda": StaffMeetingStep.EDIT_AGENDA,
}
#: The field each change step takes.
EDITED_FIELD = {step: field for field, step in EDIT_STEPS.items()}
#: The notice wizard's steps in order (kind, title, body, audience, preview).
NOTICE_STEPS = (
    StaffMeetingStep.NOTICE_KIND,
    StaffMeetingStep.NOTICE_TITLE,
    StaffMeetingStep.NOTICE_BODY,
    StaffMeetingStep.NOTICE_AUDIENCE,
    StaffMeetingStep.NOTICE_PREVIEW,
)
