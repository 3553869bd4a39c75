"""How long httpx's own transport takes for the steady refresh's requests, and nothing else.

Run as its own process (`python -m tests.benchmarks.http_floor URLS_JSON`), so it does not share
an interpreter lock with the benchmark's server: every URL with its ETag sent as If-None-Match,
through one `httpcore` connection pool (what httpx sends its requests through) with our limits,
16 at once and 4 per host. No interpreter start-up, no store, no parsing: the least any
httpx-based refresh can take. Prints the milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

import httpcore

from feeds.fetch import FetchLimits


async def conditional_gets(requests: list[tuple[str, str]]) -> float:
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


if __name__ == "__main__":
    pairs = [(url, etag) for url, etag in json.loads(open(sys.argv[1]).read())]
    print(f"{asyncio.run(conditional_gets(pairs)) * 1000:.1f}")
