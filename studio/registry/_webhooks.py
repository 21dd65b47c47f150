"""Webhooks: every audited registry event is POSTed as JSON to the URLs kept in the metadata
table ``webhooks`` (each for every event, or for the events it names).

Delivery never blocks the registry call: each POST runs in its own background thread, with a
time limit per attempt and a few attempts (per webhook; 5 s and 3 by default) that wait 0.5 s,
1 s, 2 s, ... in between; a 4xx answer other than 429 is not retried. Each webhook keeps the
outcome of its last delivery. A process that exits while POSTs are still
under way (a CLI command) waits for them at most ``DRAIN_S`` seconds in all.
"""

from __future__ import annotations

import atexit
import dataclasses
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.registry._audit import ACTIONS

TIMEOUT_S = 5.0
ATTEMPTS = 3
MAX_TIMEOUT_S, MAX_ATTEMPTS = 60.0, 10
BACKOFF_S = 0.5
DRAIN_S = 5.0
log = logging.getLogger(__name__)
MAX_URL = 2000

_in_flight: set[threading.Thread] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    events: list[str] | None  # None: every event
    created_at: float
    timeout_s: float
    attempts: int
    last_delivery: dict[str, Any] | None  # {"at", "ok", "status", "error", "attempts", "event"}

    def wants(self, event: str) -> bool:
        return self.events is None or event in self.events

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def checked_url(url: str) -> str:
    url = str(url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StudioError(f"webhook URL {url!r} is not an http:// or https:// address; give the full URL of the receiver")
    if len(url) > MAX_URL:
        raise StudioError(f"webhook URL is over {MAX_URL} characters; use a shorter one")
    return url


def shown(url: str) -> str:
    """The URL without its path, query and credentials, for logs: a webhook's path often holds
    a secret token (chat tools, CI triggers)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/..."


def checked_events(events: Sequence[str] | None) -> list[str] | None:
    if events is None:
        return None
    chosen = list(dict.fromkeys(str(e).strip() for e in events))
    unknown = [e for e in chosen if e not in ACTIONS]
    if unknown or not chosen:
        raise StudioError(f"unknown webhook event {', '.join(unknown) or '(none given)'}; choose from {', '.join(ACTIONS)}")
    return chosen


def post(url: str, body: bytes, *, timeout: float, attempts: int, backoff: float, event: str) -> dict[str, Any]:
    """POST ``body`` until the receiver accepts it or ``attempts`` run out; the outcome."""
    status: int | None = None
    error: str | None = None
    tried = 0
    for tried in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "studio-registry", "X-Studio-Event": event}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, error = response.status, None
                break
        except urllib.error.HTTPError as failure:
            status, error = failure.code, f"HTTP {failure.code}"
            if failure.code < 500 and failure.code != 429:
                break
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as failure:
            status, error = None, str(getattr(failure, "reason", failure)) or type(failure).__name__
        if tried < attempts:
            time.sleep(backoff * 2 ** (tried - 1))
    return {"at": time.time(), "ok": error is None, "status": status, "error": error, "attempts": tried, "event": event}


class Webhooks:
    """The configured webhooks and their delivery."""

    def __init__(self, engine: sa.Engine, backoff: float = BACKOFF_S) -> None:
        self.engine = engine
        self.backoff = backoff

    def add(self, url: str, events: Sequence[str] | None = None, *, timeout_s: float = TIMEOUT_S, attempts: int = ATTEMPTS) -> Webhook:
        """Post registry events to ``url`` (every event, or those named), each POST taking at most
        ``timeout_s`` seconds and tried up to ``attempts`` times; adding a URL again replaces
        its settings."""
        url, chosen = checked_url(url), checked_events(events)
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise StudioError(f"webhook timeout_s must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g}, got {timeout_s!r}")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_ATTEMPTS:
            raise StudioError(f"webhook attempts must be a whole number from 1 to {MAX_ATTEMPTS}, got {attempts!r}")
        hooks = meta.webhooks
        with self.engine.begin() as connection:
            connection.execute(sa.delete(hooks).where(hooks.c.url == url))
            connection.execute(sa.insert(hooks).values(url=url, events=chosen, created_at=time.time(), timeout_s=float(timeout_s), attempts=attempts))
        return self.get(url)

    def get(self, url: str) -> Webhook:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(meta.webhooks).where(meta.webhooks.c.url == str(url).strip())).first()
        if row is None:
            raise NotFound(f"no webhook {url!r}; list them to see the URLs")
        return Webhook(**row._mapping)

    def list(self) -> list[Webhook]:
        with self.engine.connect() as connection:
            return [Webhook(**row._mapping) for row in connection.execute(sa.select(meta.webhooks).order_by(meta.webhooks.c.id))]

    def remove(self, url: str) -> None:
        with self.engine.begin() as connection:
            gone = connection.execute(sa.delete(meta.webhooks).where(meta.webhooks.c.url == str(url).strip())).rowcount
        if not gone:
            raise NotFound(f"no webhook {url!r}; list them to see the URLs")

    def notify(self, event: dict[str, Any]) -> int:
        """Start posting ``event`` (its ``event`` key names it) to every webhook that wants it,
        each in a background thread; returns at once with how many were started. It never
        raises for the metadata DB: the change it reports has committed already."""
        try:
            wanted = [hook for hook in self.list() if hook.wants(event["event"])]
        except sa.exc.SQLAlchemyError as error:
            log.warning("registry event %s not posted: the webhooks could not be read (%s)", event["event"], error)
            return 0
        if not wanted:
            return 0
        body = json.dumps(event, default=str).encode()
        for hook in wanted:
            thread = threading.Thread(target=self._deliver, args=(hook, body, event["event"]), name=f"studio-webhook-{hook.id}", daemon=True)
            with _lock:
                _in_flight.add(thread)
            thread.start()
        return len(wanted)

    def _deliver(self, hook: Webhook, body: bytes, event: str) -> None:
        try:
            outcome = post(hook.url, body, timeout=hook.timeout_s, attempts=hook.attempts, backoff=self.backoff, event=event)
            if not outcome["ok"]:
                log.warning("webhook %d (%s): %s not delivered after %d attempts (%s)", hook.id, shown(hook.url), event, outcome["attempts"], outcome["error"])
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(meta.webhooks).where(meta.webhooks.c.id == hook.id).values(last_delivery=outcome))
            except sa.exc.SQLAlchemyError:
                pass  # the outcome is a courtesy; the registry call has long returned
        finally:
            with _lock:
                _in_flight.discard(threading.current_thread())

    @staticmethod
    def pending() -> int:
        """POSTs still under way in this process."""
        with _lock:
            return len(_in_flight)

    @staticmethod
    def wait(timeout: float = DRAIN_S) -> bool:
        """Wait at most ``timeout`` seconds in all for the POSTs under way; True when none is left."""
        return _drain(timeout)


def _drain(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            threads = list(_in_flight)
        if not threads:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        threads[0].join(left)


atexit.register(_drain, DRAIN_S)
