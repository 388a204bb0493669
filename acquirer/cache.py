"""The Redis cache, made to degrade instead of fail: sign-in must work while Redis is down.

:class:`ResilientRedisCache` is Django's ``RedisCache`` with short socket timeouts (0.5 s by default). When
Redis does not answer, the call is served by a per-process local-memory cache instead, the outage is
logged once, and for ``RETRY_AFTER`` seconds (30 by default) every call goes straight to local memory;
then Redis is tried again, and its return is logged once too. What lives in the cache degrades with it:
allauth's login rate limits count per process instead of per site while Redis is away. ``/healthz``
reports it through :func:`cache_status` ("degraded").

Configured in ``acquirer/settings/base.py`` when ``REDIS_URL`` is set::

    CACHES = {"default": {"BACKEND": "acquirer.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
"""

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 30
FALLBACK_MAX_ENTRIES = 10_000


@dataclass
class _State:
    """Shared by every thread's instance of one cache (Django makes one instance per thread)."""

    degraded_since: float | None = None
    retry_at: float = 0.0
    error: str = ""


_states: dict[str, _State] = {}
_lock = threading.Lock()


def _where(server) -> str:
    """host:port/db of the first server, without credentials, for log lines."""
    first = server if isinstance(server, str) else server[0]
    parts = urlsplit(first.split(",")[0].split(";")[0])
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._where = _where(server)
        self._retry_after = float(params.get("RETRY_AFTER", RETRY_AFTER))
        with _lock:
            self._state = _states.setdefault(str(server), _State())
        self._fallback = LocMemCache(f"acquirer-cache-fallback:{server}", {
            "TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", ""),
            "VERSION": params.get("VERSION", 1), "KEY_FUNCTION": params.get("KEY_FUNCTION"),
            "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
        })

    # --- state ------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        return self._state.degraded_since is not None

    def probe(self) -> bool:
        """Ask Redis now (PING), whatever the retry clock says; update the state. True when it answered."""
        try:
            self._cache.get_client(None, write=True).ping()
        except UNREACHABLE as error:
            self._down(error)
            return False
        self._up()
        return True

    def _down(self, error: Exception) -> None:
        state = self._state
        with _lock:
            first = state.degraded_since is None
            if first:
                state.degraded_since = time.time()
            state.retry_at = time.monotonic() + self._retry_after
            state.error = f"{type(error).__name__}: {error}"[:300]
        if first:
            log.error("cache: Redis at %s is unreachable (%s); serving from per-process memory, "
                      "rate limits are per process until it is back", self._where, state.error)

    def _up(self) -> None:
        state = self._state
        if state.degraded_since is None:
            return
        with _lock:
            since, state.degraded_since, state.error = state.degraded_since, None, ""
        if since is not None:
            log.warning("cache: Redis at %s is back after %.0f s", self._where, time.time() - since)

    def _call(self, name: str, *args, **kwargs):
        if self._state.degraded_since is not None and time.monotonic() < self._state.retry_at:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as error:
            self._down(error)
            return getattr(self._fallback, name)(*args, **kwargs)
        self._up()
        return result

    # --- the cache API (everything else in BaseCache is built on these) -----------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")


def cache_status(*, probe: bool = True) -> str:
    """"ok", or "degraded" when a Redis cache is serving from local memory (asks Redis first if ``probe``)."""
    degraded = False
    for alias in caches.settings:
        backend = caches[alias]
        if isinstance(backend, ResilientRedisCache):
            up = backend.probe() if probe else not backend.degraded
            degraded = degraded or not up
    return "degraded" if degraded else "ok"
