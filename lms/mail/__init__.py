"""Outgoing email: the SMTP transport and the outbox (infrastructure; imports no feature)."""
