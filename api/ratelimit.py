"""An in-memory token bucket per client key (one API process; a shared store would scale it out)."""

import time
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class TokenBucket:
    """`capacity` requests at once, refilled at `refill_per_second`; keys idle long are dropped."""

    capacity: float
    refill_per_second: float
    max_keys: int = 100_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str, now: float | None = None) -> float:
        """Consume one token; returns 0 when allowed, else seconds until the next token."""
        t = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # crude bound on memory; legitimate clients lose little
            bucket = self._buckets[key] = _Bucket(self.capacity, t)
        bucket.tokens = min(self.capacity, bucket.tokens + (t - bucket.at) * self.refill_per_second)
        bucket.at = t
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.refill_per_second
