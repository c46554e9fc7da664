"""Announcements from a school to parents: who they reach (audience), when an urgent one may
go out (night), and the reach report for the school's staff (reach). The event handler is
notifier/handlers/announcements.py; the SMS go through the one outbox like every other."""
