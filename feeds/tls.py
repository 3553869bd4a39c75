"""TLS for the feed fetcher: the system's certificate authorities, read only when needed.

Reading the trust store costs about 20 ms each time a context loads it (OpenSSL parses every
certificate in the bundle). aiohttp builds two such contexts when it is imported, so every
`reader refresh` paid ~40 ms before its first request, even one whose feeds are all plain
http or all answer 304 (issue 13: the steady refresh's start-up). Here:

- `import_aiohttp` imports aiohttp with those two import-time loads skipped. Their contexts
  are then left with no authority at all: a client that used them would reject every
  certificate, never accept one. Ours never does (`make_client` gives its connector
  `trust_context()`).
- `trust_context` is a context that reads the trust store at its first TLS handshake.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any

__all__ = ["import_aiohttp", "reset_trust_context", "trust_context"]


class _LazyTrustContext(ssl.SSLContext):
    """A client context like `ssl.create_default_context()`'s, whose certificate authorities
    are read at the first connection that needs them instead of when it is made."""

    _ready = False
    _lock = threading.Lock()

    def _load_authorities(self) -> None:
        with self._lock:
            if self._ready:
                return
            paths = ssl.get_default_verify_paths()
            if paths.cafile or paths.capath:
                self.load_default_certs(ssl.Purpose.SERVER_AUTH)
            else:  # no system store (some containers): certifi's bundle, as httpx uses
                try:
                    import certifi
                except ImportError:
                    self.load_default_certs(ssl.Purpose.SERVER_AUTH)
                else:
                    self.load_verify_locations(cafile=certifi.where())
            self._ready = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        if not self._ready:
            self._load_authorities()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if not self._ready:
            self._load_authorities()
        return super().wrap_socket(*args, **kwargs)


_TRUST: _LazyTrustContext | None = None


def trust_context() -> ssl.SSLContext:
    """The one verifying client context of this process (hostname checked, certificate
    required, HTTP/1.1 offered by ALPN as aiohttp does)."""
    global _TRUST
    if _TRUST is None:
        context = _LazyTrustContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies and checks host names
        context.verify_mode = ssl.CERT_REQUIRED
        context.check_hostname = True
        if sys.version_info >= (3, 13):  # what ssl.create_default_context adds from 3.13
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        context.set_alpn_protocols(["http/1.1"])
        _keylog(context)
        _TRUST = context
    return _TRUST


def _keylog(context: ssl.SSLContext) -> None:
    """TLS secrets to SSLKEYLOGFILE, as ssl.create_default_context writes them (debugging
    with a packet capture); a file that cannot be opened only loses the log, not the fetch."""
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment and hasattr(context, "keylog_filename"):
        try:
            context.keylog_filename = keylog
        except OSError:
            pass


def reset_trust_context() -> None:
    """Forget the context, so the next one reads the trust store again (for tests that point
    SSL_CERT_FILE somewhere else)."""
    global _TRUST
    _TRUST = None


def import_aiohttp() -> None:
    """Import aiohttp without its import-time contexts reading the trust store.

    Only on this thread and only during the import: a context another thread makes meanwhile
    (the app's sync client) loads its authorities as usual."""
    if "aiohttp" in sys.modules:
        return
    importing = threading.get_ident()
    load = ssl.SSLContext.set_default_verify_paths

    def skipped_here(context: ssl.SSLContext) -> None:
        if threading.get_ident() != importing:
            load(context)

    had_own = "set_default_verify_paths" in ssl.SSLContext.__dict__
    ssl.SSLContext.set_default_verify_paths = skipped_here  # type: ignore[method-assign,assignment]
    try:
        import aiohttp  # noqa: F401
    finally:
        if had_own:
            ssl.SSLContext.set_default_verify_paths = load  # type: ignore[method-assign]
        else:
            del ssl.SSLContext.set_default_verify_paths
