"""Dialogue meetings and notices: invitations, RSVP with capacity and waitlist, reminders."""
