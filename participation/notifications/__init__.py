"""Subscriptions, the email outbox, the SMTP worker and digests."""
