"""How long one HTTP client takes for the steady refresh's requests, and nothing else.

Run as its own process (`python -m tests.benchmarks.http_floor httpx|aiohttp URLS_JSON`), so it
does not share an interpreter lock with the benchmark's servers: every URL with its ETag sent as
If-None-Match, through the client's own connection pool with our limits (16 at once, 4 per
host). No interpreter start-up, no store, no parsing: the least a refresh on that client can
take. Prints the milliseconds. httpx is measured through httpcore, its transport; aiohttp (C
accelerated) through a ClientSession, as a reader built on it would use it.
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


if __name__ == "__main__":
    client, listing = sys.argv[1], sys.argv[2]
    with open(listing) as handle:
        pairs = [(url, etag) for url, etag in json.loads(handle.read())]
    measure = with_aiohttp if client == "aiohttp" else with_httpcore
    print(f"{asyncio.run(measure(pairs)) * 1000:.1f}")
