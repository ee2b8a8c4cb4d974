"""kill -9 of `kpo serve` during a stream of POSTs: every item that got a 2xx exists after a
restart, and a consumer that deduplicates by event id sees every event exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kpo.bootstrap import connect
from kpo.domain.access import Actor, Role
from kpo.services.api_keys import create_api_key
from kpo.services.setup import initialize
from kpo.services.webhooks import subscribe
from tests.e2e.api.conftest import seed

ITEM = {"service_line_id": "acme-disputes", "language": "en", "subject": "Crash test"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Consumer:
    """An idempotent webhook receiver: counts every delivery, keeps each event id once."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.items: dict[str, str] = {}  # event id -> item id
        self.lock = threading.Lock()
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = json.loads(body)
                with consumer.lock:
                    consumer.deliveries[self.headers["Kpo-Event-Id"]] += 1
                    consumer.items[event["id"]] = event["item_id"]
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KPO_DATABASE_URL": url}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kpo", "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"kpo serve did not start: {log.read_text()[-2000:]}")


def test_kill_9_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kpo.sqlite3'}"
    app = connect(url)
    initialize(app.engine, app.uow())
    seed(app)
    key = create_api_key(app.uow(), role=Role.CLIENT, org="acme", clock=app.clock).key
    consumer = Consumer()
    subscribe(
        app.uow(),
        Actor(Role.CLIENT, "acme"),
        url=consumer.url,
        event_types=["ItemQueued"],
        clock=app.clock,
    )
    app.close()
    port = _free_port()
    log = tmp_path / "serve.log"
    headers = {"Authorization": f"Bearer {key}"}
    created: dict[str, str] = {}  # idempotency key -> item id, for every 2xx
    unanswered: list[str] = []
    server = _serve(url, port, log)
    lock = threading.Lock()

    def post_stream(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for n in range(200):
                idem = f"post-{worker}-{n}"
                try:
                    answer = http.post(
                        "/v1/work-items", json=ITEM, headers={**headers, "Idempotency-Key": idem}
                    )
                except httpx.TransportError:
                    with lock:
                        unanswered.append(idem)
                    if server.poll() is not None and n > 0:
                        return  # the server is gone: the stream stops here
                    continue
                assert answer.status_code == 201, answer.text
                with lock:
                    created[idem] = answer.json()["id"]

    streams = [threading.Thread(target=post_stream, args=(w,)) for w in range(4)]
    for stream in streams:
        stream.start()
    while len(created) < 150:
        time.sleep(0.005)
    server.send_signal(signal.SIGKILL)  # mid-stream, requests in flight, no warning
    server.wait()
    for stream in streams:
        stream.join()
    assert unanswered
    server = _serve(url, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for idem, item_id in created.items():
                assert http.get(f"/v1/work-items/{item_id}", headers=headers).status_code == 200, (
                    idem
                )
            for idem in unanswered:  # the client retries with the same key: done at most once
                answer = http.post(
                    "/v1/work-items", json=ITEM, headers={**headers, "Idempotency-Key": idem}
                )
                assert answer.status_code in (201, 303), answer.text
                created[idem] = (
                    answer.json().get("id") or answer.headers["location"].rsplit("/", 1)[1]
                )
            page = http.get("/v1/work-items", params={"limit": 500}, headers=headers).json()
        stored = {item["id"] for item in page["items"]}
        assert stored == set(created.values())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with consumer.lock:
                if set(consumer.items.values()) >= stored:
                    break
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        consumer.server.shutdown()
        consumer.server.server_close()
    with consumer.lock:
        delivered_items = Counter(consumer.items.values())
    assert set(delivered_items) == stored, log.read_text()[-3000:]
    assert all(count == 1 for count in delivered_items.values())  # one event id per item
    assert sum(consumer.deliveries.values()) >= len(stored)  # resends carry the same id
