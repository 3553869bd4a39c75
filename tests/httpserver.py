"""A real HTTP server on 127.0.0.1 for tests: routes map a path to a canned reply or a function.

Tests never mock the HTTP client; they talk to this server over a real socket.
"""

from __future__ import annotations

import gzip
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """A canned response. `delay` waits before the headers; `gzip` compresses the body."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml"
    delay: float = 0.0
    gzip: bool = False

    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


# A raw route gets the handler and writes whatever it likes (misbehaving servers).
RawHandler = Callable[[BaseHTTPRequestHandler], None]
Route = Reply | Callable[[Request], Reply] | RawHandler


class Raw:
    """Wraps a function that writes the response itself on the socket."""

    def __init__(self, write: RawHandler) -> None:
        self.write = write


class LocalServer:
    """A threaded HTTP server with a route table, started on a free port on 127.0.0.1."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Raw] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.command, self.path, headers)
                with server._lock:
                    server.requests.append(request)
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Reply(404, b"not found", content_type="text/plain")
                if isinstance(route, Raw):
                    try:
                        route.write(self)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                reply = route if isinstance(route, Reply) else route(request)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body_bytes()
                if reply.gzip:
                    body = gzip.compress(body)
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    if reply.gzip:
                        self.send_header("Content-Encoding", "gzip")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up mid-response is what many tests do on purpose

        self._httpd = QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, reply: Route | Raw) -> str:
        """Serve `reply` at `path` and return the full URL."""
        self.routes[path] = reply
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def use_tls(self, context: ssl.SSLContext) -> LocalServer:
        """Speak TLS with `context` (server side) instead of plain HTTP; call before start().

        `route()` and `url()` still return http:// URLs: use `https_url()` for this server.
        """
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        return self

    def https_url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"
