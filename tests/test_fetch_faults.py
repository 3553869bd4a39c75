"""Servers that misbehave: feeds.fetch turns each into one clear line and never raises."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import aiohttp
import pytest

from feeds.fetch import FetchLimits, fetch, fetch_all
from feeds.model import FetchResult, FetchStatus
from feeds.tls import reset_trust_context
from tests.httpserver import LocalServer, Raw, Reply

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def one_line(result: FetchResult) -> str:
    """The error of a failed fetch, checked to be a single line."""
    assert result.status is FetchStatus.ERROR, result
    assert result.error and "\n" not in result.error and "\r" not in result.error
    return result.error


def head(*lines: str) -> bytes:
    """A status line and headers, ready to write on the socket."""
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def write_then_close(data: bytes) -> Raw:
    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(data)

    return Raw(write)


def trickle(first: bytes, piece: bytes, every: float, times: int) -> Raw:
    """Sends `first`, then `piece` every `every` seconds, `times` times (or until hung up)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(first)
        for _ in range(times):
            time.sleep(every)
            handler.wfile.write(piece)

    return Raw(write)


async def test_connection_closed_mid_body(http_server: LocalServer) -> None:
    chunked = head("HTTP/1.1 200 OK", "Content-Type: application/xml", "Transfer-Encoding: chunked")
    url = http_server.route("/cut", write_then_close(chunked + b"64\r\n" + b"x" * 40))
    result = await fetch(url)
    assert one_line(result) == "connection closed before the whole body arrived"
    assert result.body == b""


async def test_content_length_longer_than_the_body(http_server: LocalServer) -> None:
    lying = head("HTTP/1.1 200 OK", "Content-Length: 500")
    url = http_server.route("/short", write_then_close(lying + b"y" * 200))
    result = await fetch(url)
    assert one_line(result) == "connection closed before the whole body arrived"


async def test_endless_body_is_capped_by_size(http_server: LocalServer) -> None:
    endless = head("HTTP/1.1 200 OK", "Connection: close")
    url = http_server.route("/endless", trickle(endless, b"z" * 8192, every=0.0, times=100_000))
    started = time.monotonic()
    result = await fetch(url, limits=FetchLimits(max_bytes=64 * 1024, total_timeout=5))
    assert one_line(result) == "response larger than 64 KiB"
    assert time.monotonic() - started < 2


async def test_endless_body_is_capped_by_total_timeout(http_server: LocalServer) -> None:
    endless = head("HTTP/1.1 200 OK", "Connection: close")
    url = http_server.route("/endless-slow", trickle(endless, b"z" * 100, every=0.05, times=100))
    started = time.monotonic()
    result = await fetch(url, limits=FetchLimits(total_timeout=0.5))
    took = time.monotonic() - started
    assert one_line(result) == "timed out after 0.5 s"
    assert 0.45 < took < 1.5


async def test_one_byte_a_second_ends_at_the_total_timeout(http_server: LocalServer) -> None:
    # Each byte arrives well within any per-read timeout; only the total timeout stops it.
    slow = head("HTTP/1.1 200 OK", "Content-Length: 100")
    url = http_server.route("/drip", trickle(slow + b"<", b"r", every=1.0, times=100))
    started = time.monotonic()
    result = await fetch(url, limits=FetchLimits(total_timeout=1.5))
    took = time.monotonic() - started
    assert one_line(result) == "timed out after 1.5 s"
    assert 1.4 < took < 2.5


async def test_invalid_gzip(http_server: LocalServer) -> None:
    url = http_server.route(
        "/badgz", Reply(200, b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    )
    assert one_line(await fetch(url)) == "invalid gzip data"


async def test_truncated_gzip(http_server: LocalServer) -> None:
    cut = gzip.compress(FEED * 20)[:-12]
    url = http_server.route("/cutgz", Reply(200, cut, headers={"Content-Encoding": "gzip"}))
    assert one_line(await fetch(url)) == ("invalid gzip data: the compressed body ends too early")


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MiB of zeros, gzipped a MiB at a time (never holds the whole thing)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


async def test_gzip_bomb_stops_at_the_cap_with_little_memory(http_server: LocalServer) -> None:
    bomb = gzip_bomb(100)
    assert len(bomb) < 120_000  # about 100 KB on the wire for 100 MiB inflated
    url = http_server.route("/bomb", Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        result = await fetch(url)  # the default cap: 10 MiB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one_line(result) == "response larger than 10 MiB"
    print(f"gzip bomb: {len(bomb)} bytes, tracemalloc peak {peak / 2**20:.1f} MiB")
    assert peak < 60 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


async def test_double_gzip_is_refused(http_server: LocalServer) -> None:
    twice = gzip.compress(gzip.compress(FEED))
    url = http_server.route("/twice", Reply(200, twice, headers={"Content-Encoding": "gzip, gzip"}))
    assert one_line(await fetch(url)) == "unsupported content encoding 'gzip, gzip'"


async def test_redirect_loop(http_server: LocalServer) -> None:
    http_server.route("/loop-a", Reply(302, b"", headers={"Location": "/loop-b"}))
    url = http_server.route("/loop-b", Reply(301, b"", headers={"Location": "/loop-a"}))
    result = await fetch(url)
    assert one_line(result) == "too many redirects (more than 5)"
    asked = http_server.requests_for("/loop-a") + http_server.requests_for("/loop-b")
    assert len(asked) == 6  # the first request and five redirects followed


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/feed.xml"])
async def test_redirect_to_another_scheme_is_refused(http_server: LocalServer, target: str) -> None:
    url = http_server.route("/sneaky", Reply(302, b"", headers={"Location": target}))
    result = await fetch(url)
    assert one_line(result) == f"redirect to a non-http(s) URL refused: {target}"
    assert result.body == b""


async def test_host_that_does_not_resolve() -> None:
    result = await fetch("http://nonexistent.invalid/feed", limits=FetchLimits(total_timeout=5))
    # "host not found", or "host lookup failed (...)" where DNS itself is unreachable
    assert one_line(result).startswith("nonexistent.invalid: host ")


async def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = await fetch(f"http://127.0.0.1:{port}/feed")
    assert one_line(result) == "could not connect to 127.0.0.1: connection refused"


async def test_server_hangs_up_without_answering(http_server: LocalServer) -> None:
    url = http_server.route("/hangup", write_then_close(b""))
    assert one_line(await fetch(url)) == "127.0.0.1 closed the connection without answering"


async def test_garbage_instead_of_http(http_server: LocalServer) -> None:
    url = http_server.route("/garbage", write_then_close(b"\x00\x01 hello\r\n\r\n"))
    message = one_line(await fetch(url))
    assert message == "127.0.0.1 sent a malformed HTTP response: illegal status line"


async def test_empty_200_is_ok_with_empty_body(http_server: LocalServer) -> None:
    url = http_server.route("/empty", Reply(200, b""))
    result = await fetch(url)
    assert result.status is FetchStatus.OK
    assert result.body == b"" and result.error is None


async def test_png_instead_of_a_feed_is_returned_as_bytes(http_server: LocalServer) -> None:
    url = http_server.route("/feed.png", Reply(200, PNG, content_type="image/png"))
    result = await fetch(url)
    assert result.status is FetchStatus.OK
    assert result.body == PNG
    assert result.headers["content-type"] == "image/png"


async def test_fetch_all_with_failures_among_good_feeds(http_server: LocalServer) -> None:
    good = [http_server.route(f"/good{i}", Reply(200, FEED)) for i in range(4)]
    bad = [
        http_server.route("/broken", Reply(500, b"")),
        http_server.route(
            "/cut-off", write_then_close(head("HTTP/1.1 200 OK", "Content-Length: 9"))
        ),
        "http://nonexistent.invalid/feed",
        "ftp://example.org/feed",
        http_server.url("/loop-a"),
    ]
    http_server.route("/loop-a", Reply(302, b"", headers={"Location": "/loop-a"}))
    requests = [(url, None) for url in bad[:2] + good + bad[2:]]
    limits = FetchLimits(total_timeout=5)
    results = {r.url: r async for r in fetch_all(requests, limits=limits)}
    assert set(results) == set(good) | set(bad)
    for url in good:
        assert results[url].ok and results[url].body == FEED
    for url in bad:
        one_line(results[url])


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[LocalServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = LocalServer().use_tls(context).start()
    try:
        yield server
    finally:
        server.stop()


async def test_untrusted_certificate_is_rejected(tls_server: LocalServer) -> None:
    tls_server.route("/feed.xml", Reply(200, FEED))
    result = await fetch(tls_server.https_url("/feed.xml"), limits=FetchLimits(total_timeout=5))
    assert one_line(result) == "127.0.0.1: TLS certificate rejected: self-signed certificate"


async def test_trusted_certificate_works(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    tls_server.route("/feed.xml", Reply(200, FEED))
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as client:
        result = await fetch(tls_server.https_url("/feed.xml"), client=client)
    assert result.ok and result.body == FEED


async def test_the_system_trust_store_is_read_at_the_first_handshake(
    tls_server: LocalServer, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our client's context reads the system's authorities (here SSL_CERT_FILE, which OpenSSL
    honours) when it first connects, not when it is made: the server is trusted."""
    tls_server.route("/feed.xml", Reply(200, FEED))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    reset_trust_context()
    try:
        result = await fetch(tls_server.https_url("/feed.xml"), limits=FetchLimits(total_timeout=5))
    finally:
        reset_trust_context()
    assert result.ok and result.body == FEED


def test_aiohttp_is_imported_without_reading_the_trust_store() -> None:
    """feeds.fetch imports aiohttp without its import-time contexts loading any authority (the
    ~40 ms a refresh paid at start); those contexts then trust nobody, and contexts made
    afterwards, or by other code, load the store as usual."""
    code = (
        "import ssl, feeds.fetch, aiohttp.connector as c;"
        "print(c._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'],"
        " 'set_default_verify_paths' in ssl.SSLContext.__dict__,"
        " ssl.create_default_context().cert_store_stats()['x509_ca'] > 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={**os.environ, "SSL_CERT_FILE": certifi_or_system_bundle()})
    assert done.stdout.split() == ["0", "False", "True"]


def test_our_context_is_set_up_as_the_default_context_is() -> None:
    from feeds.tls import trust_context

    ours, default = trust_context(), ssl.create_default_context()
    for setting in ("verify_mode", "check_hostname", "verify_flags", "options",
                    "minimum_version", "maximum_version"):
        assert getattr(ours, setting) == getattr(default, setting), setting


def certifi_or_system_bundle() -> str:
    """A CA bundle that exists here, so 'loads the store as usual' has something to load."""
    paths = ssl.get_default_verify_paths()
    if paths.cafile:
        return paths.cafile
    certifi = pytest.importorskip("certifi", reason="no system CA bundle and no certifi")
    return str(certifi.where())


async def test_https_to_a_plain_http_server(http_server: LocalServer) -> None:
    url = http_server.route("/plain", Reply(200, FEED)).replace("http://", "https://")
    result = await fetch(url, limits=FetchLimits(total_timeout=5))
    assert one_line(result) == "127.0.0.1: TLS handshake failed: wrong version number"


# --- every TLS path uses the context that reads the trust store (feeds.tls) -------------------


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test certificate is the system's only authority (SSL_CERT_FILE), read afresh."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    reset_trust_context()
    try:
        yield
    finally:
        reset_trust_context()


class _ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), as https through a proxy goes."""

    def __init__(self) -> None:
        import threading

        self.tunnels: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        import threading

        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            request += chunk
        target = request.split(b" ", 2)[1].decode()
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, sink):
                    with contextlib.suppress(OSError):
                        end.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def close(self) -> None:
        self._listener.close()


async def test_https_through_a_proxy_verifies_with_the_trust_store(
    tls_server: LocalServer, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tunnelled TLS handshake uses our context: trusted here (aiohttp's own context,
    with no authority, would reject it), and a certificate nobody vouches for is refused."""
    tls_server.route("/feed.xml", Reply(200, FEED))
    proxy = _ConnectProxy()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY",
                 "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", proxy.url)
    try:
        result = await fetch(tls_server.https_url("/feed.xml"),
                             limits=FetchLimits(total_timeout=5))
        assert result.ok and result.body == FEED
        assert proxy.tunnels == [f"127.0.0.1:{tls_server.port}"]
        monkeypatch.setenv("SSL_CERT_FILE", str(Path(__file__).parent / "no-such-bundle.pem"))
        monkeypatch.setenv("SSL_CERT_DIR", str(Path(__file__).parent / "no-such-folder"))
        reset_trust_context()
        refused = await fetch(tls_server.https_url("/feed.xml"),
                              limits=FetchLimits(total_timeout=5))
        assert "TLS certificate rejected" in one_line(refused)
    finally:
        proxy.close()


async def test_a_redirect_from_http_to_https_verifies_with_the_trust_store(
    http_server: LocalServer, tls_server: LocalServer, trusted: None
) -> None:
    tls_server.route("/feed.xml", Reply(200, FEED))
    start = http_server.route("/moved", Reply(301, b"", headers={
        "Location": tls_server.https_url("/feed.xml")}))
    result = await fetch(start, limits=FetchLimits(total_timeout=5))
    assert result.ok and result.body == FEED
    assert result.final_url == tls_server.https_url("/feed.xml")


def test_two_event_loops_on_two_threads_share_the_first_handshake(
    tls_server: LocalServer, trusted: None
) -> None:
    """The trust store is read once, under a lock, by whichever handshake comes first; the
    other waits for it and is not let through with an empty store."""
    import asyncio
    import threading

    tls_server.route("/feed.xml", Reply(200, FEED))
    for _ in range(5):
        reset_trust_context()
        gate = threading.Barrier(3)
        results: list[FetchResult] = []

        def one(gate: threading.Barrier, results: list[FetchResult]) -> None:
            gate.wait()
            results.append(asyncio.run(fetch(tls_server.https_url("/feed.xml"),
                                             limits=FetchLimits(total_timeout=5))))

        threads = [threading.Thread(target=one, args=(gate, results)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [result.ok for result in results] == [True, True, True], results


def test_aiohttp_s_own_contexts_refuse_every_certificate(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    """Code that made a session without our context (aiohttp's defaults) fails closed: even
    a certificate the trust store vouches for is refused, never accepted unchecked."""
    tls_server.route("/feed.xml", Reply(200, FEED))
    code = (
        "import asyncio, ssl, sys, feeds.fetch, aiohttp\n"
        "async def main():\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        try:\n"
        "            async with session.get(sys.argv[1]) as response:\n"
        "                print('accepted', response.status)\n"
        "        except aiohttp.ClientConnectorCertificateError as error:\n"
        "            print('refused', error.certificate_error.verify_message)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, tls_server.https_url("/feed.xml")],
                          capture_output=True, text=True, timeout=60, check=True,
                          env={**os.environ, "SSL_CERT_FILE": str(certificate[0])})
    assert done.stdout.split()[0] == "refused", done.stdout + done.stderr


async def test_sslkeylogfile_is_honoured_as_by_the_default_context(
    tls_server: LocalServer, trusted: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ssl.create_default_context (which aiohttp's own context was) writes the TLS secrets to
    SSLKEYLOGFILE, for debugging with a packet capture; ours does the same."""
    keylog = tmp_path / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))
    reset_trust_context()
    tls_server.route("/feed.xml", Reply(200, FEED))
    result = await fetch(tls_server.https_url("/feed.xml"), limits=FetchLimits(total_timeout=5))
    assert result.ok
    assert "CLIENT_" in keylog.read_text()
