"""Outgoing notifications to clients: e-mail over SMTP and iCalendar attachments."""
