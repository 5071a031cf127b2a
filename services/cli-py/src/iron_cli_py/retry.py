"""When and how long the CLI waits before trying a request again (the TypeScript `iron`'s policy)."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime
from typing import Callable, NamedTuple, Optional


class RetryPolicy(NamedTuple):
    attempts: int
    """Attempts in all, the first included."""
    base_delay_ms: int
    """The wait before the first retry is between half of this and this; it doubles for each retry after."""
    max_retry_after_ms: int
    """A Retry-After longer than this is cut to it."""


DEFAULT_RETRY = RetryPolicy(attempts=3, base_delay_ms=300, max_retry_after_ms=30_000)


def is_retryable_status(status: int) -> bool:
    """429 and the gateway/unavailable answers mean "try again later"; other statuses do not."""
    return status in (429, 502, 503, 504)


def backoff_delay_ms(retry: int, policy: RetryPolicy = DEFAULT_RETRY, rand: Callable[[], float] = random.random) -> int:
    """The wait before retry `retry` (1 for the first): exponential with "equal jitter", in [c/2, c) for
    c = base·2^(retry−1), so concurrent clients spread out and each wait is at least the whole previous range."""
    ceiling = policy.base_delay_ms * 2 ** (retry - 1)
    return int(ceiling / 2 + rand() * ceiling / 2)


def parse_retry_after_ms(header: Optional[str], now: Optional[float] = None) -> Optional[int]:
    """Retry-After as milliseconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    text = header.strip()
    if text.isascii() and text.isdigit():
        return int(text) * 1000
    try:
        date = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if date is None:
        return None
    current = time.time() if now is None else now
    return max(0, int((date.timestamp() - current) * 1000))


def retry_wait_ms(retry: int, retry_after_ms: Optional[int], policy: RetryPolicy = DEFAULT_RETRY) -> int:
    """The wait before a retry: the backoff, or what the server asked for if that is longer (capped)."""
    backoff = backoff_delay_ms(retry, policy)
    if retry_after_ms is None:
        return backoff
    return max(backoff, min(retry_after_ms, policy.max_retry_after_ms))
