"""Volunteer matching: associations, opportunities, search and ranking, interests, alerts."""
