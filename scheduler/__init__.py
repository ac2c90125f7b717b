"""APScheduler set-up and the job functions (reminders, alerts, retention)."""
