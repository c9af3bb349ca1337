"""The tenant's cache: values private to this tenant and plugin, each
kept for a time-to-live. Text in, text out (`get_bytes`/`set_bytes` for
anything else)."""

from typing import Optional

from .host import current


def get(key: str) -> Optional[str]:
    """The text stored under `key`, or `None` (also once it expired)."""
    value = current().cache_get(key)
    return None if value is None else value.decode("utf-8", errors="replace")


def set(key: str, text: str, ttl_seconds: int) -> None:
    """Stores `text` under `key` for `ttl_seconds`. Raises `CacheTooLarge`
    when the key or value is over the host's limit."""
    current().cache_set(key, text.encode(), ttl_seconds)


def get_bytes(key: str) -> Optional[bytes]:
    """The bytes stored under `key`, or `None`."""
    return current().cache_get(key)


def set_bytes(key: str, value: bytes, ttl_seconds: int) -> None:
    """Stores `value` under `key` for `ttl_seconds` (see `set`)."""
    current().cache_set(key, value, ttl_seconds)


def delete(key: str) -> None:
    """Removes `key`, if it is there."""
    current().cache_delete(key)
