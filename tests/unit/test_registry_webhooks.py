"""Webhooks (studio/registry/_webhooks.py): registry events are POSTed as JSON to a local HTTP
server the test starts on 127.0.0.1, retried after a server error, filtered by event, and a
receiver that never answers neither blocks the registry call nor the other webhooks."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio import StudioError
from studio.registry import Webhooks
from tests.helpers.registry_models import register

SETTLE_S = 30  # an upper bound for the background POSTs to finish, never reached when all is well


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers with the next of
    ``statuses`` (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[dict] = []
        self.statuses = list(statuses or [])
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.received.append({"body": body, "event": self.headers["X-Studio-Event"], "type": self.headers["Content-Type"]})
                    receiver.arrived.set()
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def hooks(workspace) -> Iterator[Webhooks]:
    webhooks = workspace.registry.webhooks
    webhooks.backoff = 0.0
    yield webhooks
    assert Webhooks.wait(SETTLE_S), "a webhook POST was still running at the end of the test"


def test_events_are_posted_as_json(workspace, hooks, receiver):
    register(workspace), register(workspace, "worse")
    hooks.add(receiver.url)
    workspace.registry.promote("churn", 1, actor="ann")
    workspace.registry.promote("churn", 2, actor="bob")
    assert Webhooks.wait(SETTLE_S)
    assert sorted(r["event"] for r in receiver.received) == ["blocked", "promote"]
    blocked = next(r for r in receiver.received if r["event"] == "blocked")
    assert blocked["type"] == "application/json"
    body = blocked["body"]
    assert (body["event"], body["model"], body["version"], body["alias"], body["actor"], body["previous_version"]) == ("blocked", "churn", 2, "production", "bob", 1)
    assert body["tests"]["failed"] == ["no_regression"] and body["id"] == workspace.registry.audit("churn")[0].id
    last = hooks.get(receiver.url).last_delivery
    assert last["ok"] and last["status"] == 200 and last["attempts"] == 1


def test_a_server_error_is_retried_and_a_client_error_is_not(workspace, hooks):
    flaky, refusing = Receiver([500, 503]), Receiver([404])
    try:
        hooks.add(flaky.url, attempts=3)
        hooks.add(refusing.url, attempts=3)
        register(workspace)
        workspace.registry.set_alias("churn", 1, "staging")
        assert Webhooks.wait(SETTLE_S)
        assert [r["event"] for r in flaky.received] == ["set_alias"]
        assert hooks.get(flaky.url).last_delivery | {"at": 0} == {"at": 0, "ok": True, "status": 200, "error": None, "attempts": 3, "event": "set_alias"}
        assert refusing.received == []
        refused = hooks.get(refusing.url).last_delivery
        assert (refused["ok"], refused["status"], refused["attempts"], refused["error"]) == (False, 404, 1, "HTTP 404")
    finally:
        flaky.close()
        refusing.close()


def test_a_webhook_gets_only_the_events_it_names(workspace, hooks, receiver):
    hooks.add(receiver.url, ["archive", "rollback"])
    register(workspace), register(workspace, "good_too")
    workspace.registry.set_alias("churn", 1, "staging")
    workspace.registry.archive("churn", 2, reason="old")
    assert Webhooks.wait(SETTLE_S)
    assert [(r["event"], r["body"]["reason"]) for r in receiver.received] == [("archive", "old")]
    assert [h.events for h in hooks.list()] == [["archive", "rollback"]]
    hooks.add(receiver.url)  # again: its settings are replaced
    assert [h.events for h in hooks.list()] == [None]
    hooks.remove(receiver.url)
    assert hooks.list() == []


def test_bad_webhooks_are_refused(hooks):
    for url in ("ftp://example.com/x", "example.com/hook", "http://", ""):
        with pytest.raises(StudioError, match="is not an http:// or https:// address"):
            hooks.add(url)
    with pytest.raises(StudioError, match="unknown webhook event deployed; choose from promote, override"):
        hooks.add("http://127.0.0.1:9/x", ["promote", "deployed"])
    with pytest.raises(StudioError, match="webhook attempts must be a whole number from 1 to 10"):
        hooks.add("http://127.0.0.1:9/x", attempts=0)
    with pytest.raises(StudioError, match="webhook timeout_s must be a number of seconds above 0"):
        hooks.add("http://127.0.0.1:9/x", timeout_s=0)
    with pytest.raises(StudioError, match="no webhook"):
        hooks.remove("http://127.0.0.1:9/x")


def test_a_dead_webhook_blocks_neither_the_registry_nor_the_other_webhooks(workspace, hooks, receiver):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections into its backlog, never answers
    closed = socket.create_server(("127.0.0.1", 0))
    closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    closed.close()  # nothing listens there: refused at once
    try:
        hooks.add(f"http://127.0.0.1:{silent.getsockname()[1]}/hook", timeout_s=60, attempts=1)
        hooks.add(closed_url, attempts=2)
        hooks.add(receiver.url)
        register(workspace)
        result = workspace.registry.promote("churn", 1)
        # The promotion returned while the silent receiver still holds its POST (it can only
        # end by the 60 s time limit, or when the socket is closed below).
        assert result.promoted and Webhooks.pending() >= 1
        assert receiver.arrived.wait(SETTLE_S) and [r["event"] for r in receiver.received] == ["promote"]
    finally:
        silent.close()
    assert Webhooks.wait(SETTLE_S)
    outcomes = {hook.url: hook.last_delivery for hook in hooks.list()}
    assert outcomes[closed_url]["ok"] is False and outcomes[closed_url]["attempts"] == 2 and outcomes[closed_url]["status"] is None
    assert outcomes[receiver.url]["ok"] is True
