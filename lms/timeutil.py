from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now: every stored time is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
