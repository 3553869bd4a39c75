"""A threaded feed server on 127.0.0.1 with validators, 304 answers and added latency.

Every document gets a strong ETag (a hash of its bytes) and a fixed Last-Modified; a request
that presents either validator gets 304 Not Modified. `latency` seconds are slept before every
answer (200 or 304), in the request's own thread, as a distant server would make you wait.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterable
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.benchmarks.feedgen import Document, today_anchor


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default (5) makes bursts of connections wait for SYN retries


class FeedServer:
    """Serves `documents` at their paths until `stop()` (or the end of a `with` block)."""

    def __init__(self, documents: Iterable[Document], *, latency: float = 0.0,
                 host: str = "127.0.0.1") -> None:
        self.latency = latency
        self.host = host
        modified = today_anchor()
        self.last_modified = format_datetime(modified, usegmt=True)
        self._modified_at = modified
        self.documents: dict[str, tuple[bytes, str, str]] = {}
        for document in documents:
            etag = '"' + hashlib.blake2b(document.body, digest_size=12).hexdigest() + '"'
            self.documents[document.path] = (document.body, document.content_type, etag)
        self.answers: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), self._handler())
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="bench-feed-server")

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def urls(self) -> list[str]:
        return [self.url(path) for path in self.documents]

    def counts(self) -> dict[int, int]:
        """Answers by status since the last `reset_counts()`."""
        with self._lock:
            return dict(self.answers)

    def reset_counts(self) -> None:
        with self._lock:
            self.answers.clear()

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _not_modified(self, headers: dict[str, str], etag: str) -> bool:
        tags = headers.get("if-none-match")
        if tags is not None:
            return etag in [tag.strip() for tag in tags.split(",")] or tags.strip() == "*"
        since = headers.get("if-modified-since")
        if since:
            try:
                return parsedate_to_datetime(since) >= self._modified_at
            except (TypeError, ValueError):
                return False
        return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                if server.latency:
                    time.sleep(server.latency)
                found = server.documents.get(self.path.split("?")[0])
                headers = {k.lower(): v for k, v in self.headers.items()}
                if found is None:
                    status, body, extra = 404, b"not found", {"Content-Type": "text/plain"}
                else:
                    body, content_type, etag = found
                    extra = {"ETag": etag, "Last-Modified": server.last_modified,
                             "Content-Type": content_type}
                    status = 304 if server._not_modified(headers, etag) else 200
                with server._lock:
                    server.answers[status] += 1
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    if status == 304:
                        self.end_headers()
                        return
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


class MultiHostServer:
    """The same documents spread over several loopback addresses (127.0.0.2, 127.0.0.3, ...),
    one FeedServer each, as a subscription list spreads over many sites: `hosts[i]` is the
    host number of `documents[i]`. Answers the same calls as one FeedServer."""

    def __init__(self, documents: list[Document], hosts: list[int], *,
                 latency: float = 0.0) -> None:
        groups: dict[int, list[Document]] = {}
        for document, host in zip(documents, hosts, strict=True):
            groups.setdefault(host, []).append(document)
        self.servers = {host: FeedServer(group, latency=latency, host=f"127.0.0.{host + 2}")
                        for host, group in groups.items()}
        self._order = [(hosts[i], d.path) for i, d in enumerate(documents)]
        self.documents = {self.servers[host].url(path): self.servers[host].documents[path]
                          for host, path in self._order}

    @property
    def host_count(self) -> int:
        return len(self.servers)

    def urls(self) -> list[str]:
        return list(self.documents)

    def counts(self) -> dict[int, int]:
        total: Counter[int] = Counter()
        for server in self.servers.values():
            total.update(server.counts())
        return dict(total)

    def reset_counts(self) -> None:
        for server in self.servers.values():
            server.reset_counts()

    def __enter__(self) -> MultiHostServer:
        for server in self.servers.values():
            server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers.values():
            server.stop()
