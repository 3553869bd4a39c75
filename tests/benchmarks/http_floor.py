"""How long one HTTP client takes for the steady refresh's requests, and nothing else.

`python -m tests.benchmarks.http_floor CLIENT URLS_JSON`, CLIENT one of httpx, aiohttp or
fetch_all, in a process of its own (no interpreter lock shared with the benchmark's servers):
every URL with its ETag sent as If-None-Match, with our limits (32 at once, 4 per host). No
start-up, no store, no parsing: the least a refresh on that client can take. Prints the
milliseconds. httpx is measured through httpcore, its transport; aiohttp (C accelerated)
through a bare ClientSession; fetch_all is our own fetch layer (on aiohttp since issue 13), as
`reader refresh` calls it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

from feeds.fetch import FetchLimits


async def with_httpcore(requests: list[tuple[str, str]]) -> float:
    import httpcore

    limits = FetchLimits()
    everyone = asyncio.Semaphore(limits.concurrency)
    hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
        lambda: asyncio.Semaphore(limits.per_host))
    async with httpcore.AsyncConnectionPool(max_connections=limits.concurrency) as pool:

        async def one(url: str, etag: str) -> None:
            async with hosts[urlsplit(url).netloc], everyone:
                response = await pool.request(
                    "GET", url, headers=[(b"If-None-Match", etag.encode())])
            if response.status != 304:
                raise RuntimeError(f"{url} answered {response.status}, not 304")

        started = time.perf_counter()
        await asyncio.gather(*(one(url, etag) for url, etag in requests))
        return time.perf_counter() - started


async def with_aiohttp(requests: list[tuple[str, str]]) -> float:
    import aiohttp

    limits = FetchLimits()
    connector = aiohttp.TCPConnector(limit=limits.concurrency, limit_per_host=limits.per_host)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def one(url: str, etag: str) -> None:
            async with session.get(url, headers={"If-None-Match": etag},
                                   allow_redirects=False) as response:
                await response.read()
                if response.status != 304:
                    raise RuntimeError(f"{url} answered {response.status}, not 304")

        started = time.perf_counter()
        await asyncio.gather(*(one(url, etag) for url, etag in requests))
        return time.perf_counter() - started


async def with_our_fetch(requests: list[tuple[str, str]]) -> float:
    """`feeds.fetch.fetch_all` as the reader calls it (aiohttp's client, our checks)."""
    from feeds.fetch import fetch_all
    from feeds.model import FetchStatus, Validators

    started = time.perf_counter()
    async for result in fetch_all([(url, Validators(etag=etag)) for url, etag in requests]):
        if result.status is not FetchStatus.NOT_MODIFIED:
            raise RuntimeError(f"{result.url}: {result.status} {result.error}")
    return time.perf_counter() - started


if __name__ == "__main__":
    client, listing = sys.argv[1], sys.argv[2]
    with open(listing) as handle:
        pairs = [(url, etag) for url, etag in json.loads(handle.read())]
    measure = {"aiohttp": with_aiohttp, "fetch_all": with_our_fetch}.get(client, with_httpcore)
    print(f"{asyncio.run(measure(pairs)) * 1000:.1f}")
