"""A small HTTP load generator: closed-loop throughput and open-loop latency.

Keep-alive connections (http.client), several processes so the client is
not the bottleneck on its own GIL. Every request sends a unique email, so
every capture is a new lead (no dedup short-cut).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
import uuid
from urllib.parse import urlsplit


def _post(conn, path, body, headers):
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _closed_worker(args):
    url, path, token, threads, seconds, tag = args
    parts = urlsplit(url)
    counts = {"ok": 0, "other": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(t):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        i = 0
        ok = other = 0
        while time.monotonic() < deadline:
            i += 1
            body = json.dumps(
                {
                    "name": f"Bench {tag} {t} {i}",
                    "email": f"b-{tag}-{t}-{i}-{uuid.uuid4().hex[:6]}@example.com",
                    "company": "Bench Co",
                    "source": "bench",
                }
            )
            try:
                status = _post(conn, path, body, headers)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                status = 0
            if status in (200, 201):
                ok += 1
            else:
                other += 1
        with lock:
            counts["ok"] += ok
            counts["other"] += other

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts


def throughput(url, path, token, *, processes=2, threads=8, seconds=10.0):
    """Requests per second answered 2xx, with every connection busy."""
    tag = uuid.uuid4().hex[:6]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        started = time.monotonic()
        results = pool.map(
            _closed_worker,
            [(url, path, token, threads, seconds, f"{tag}{p}") for p in range(processes)],
        )
        elapsed = time.monotonic() - started
    ok = sum(r["ok"] for r in results)
    other = sum(r["other"] for r in results)
    return {"rps": ok / seconds, "ok": ok, "errors": other, "elapsed": elapsed}


def latency(url, path, token, *, rate=100.0, seconds=10.0, connections=16):
    """Open loop at ``rate`` requests/s: p50 and p99 from each request's scheduled time."""
    parts = urlsplit(url)
    interval = 1.0 / rate
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    next_index = [0]
    tag = uuid.uuid4().hex[:6]

    def run():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                return
            scheduled = start + i * interval
            wait = scheduled - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            body = json.dumps(
                {"name": f"Lat {i}", "email": f"lat-{tag}-{i}@example.com", "source": "bench"}
            )
            try:
                status = _post(conn, path, body, headers)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                status = 0
            done = time.monotonic()
            with lock:
                if status in (200, 201):
                    latencies.append(done - scheduled)
                else:
                    errors[0] += 1

    workers = [threading.Thread(target=run) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies.sort()
    if not latencies:
        return {"p50_ms": None, "p99_ms": None, "errors": errors[0], "n": 0}
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "errors": errors[0], "n": len(latencies)}


def _overload_share(args):
    url, path, token, rate, seconds, connections, tag, share, shares, start = args
    parts = urlsplit(url)
    interval = 1.0 / rate
    mine = list(range(share, int(rate * seconds), shares))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    missing_retry_after = [0]
    lock = threading.Lock()
    cursor = [0]

    def run():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        while True:
            with lock:
                if cursor[0] >= len(mine):
                    return
                i = mine[cursor[0]]
                cursor[0] += 1
            scheduled = start + i * interval  # wall clock: shared by every process
            wait = scheduled - time.time()
            if wait > 0:
                time.sleep(wait)
            body = json.dumps(
                {"name": f"Peak {i}", "email": f"peak-{tag}-{i}@example.com", "source": "bench"}
            )
            retry_after = None
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                retry_after = response.getheader("Retry-After")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status = 0
            done = time.time()
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status in (200, 201):
                    latencies.append(done - scheduled)
                elif status in (429, 503) and not retry_after:
                    missing_retry_after[0] += 1

    workers = [threading.Thread(target=run) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, statuses, missing_retry_after[0]


def overload(url, path, token, *, rate, seconds=10.0, connections=64, processes=4):
    """Open loop at ``rate``/s over many connections: answers by status and admitted latency.

    A request is sent at its scheduled time whether or not earlier ones have
    answered (as a campaign's visitors would), from several processes so the
    client is not the bottleneck: a server that queues past its capacity
    shows the wait in the latency, one that sheds shows 503s.
    """
    tag = uuid.uuid4().hex[:6]
    start = time.time() + 0.5
    share = max(1, connections // processes)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(
            _overload_share,
            [(url, path, token, rate, seconds, share, tag, p, processes, start)
             for p in range(processes)],
        )  # fmt: skip
    latencies = sorted(x for part in parts for x in part[0])
    statuses: dict[int, int] = {}
    for part in parts:
        for status, count in part[1].items():
            statuses[status] = statuses.get(status, 0) + count

    def pick(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "offered_rps": rate,
        "statuses": statuses,
        "admitted": len(latencies),
        "p50_ms": pick(0.5) if latencies else None,
        "p99_ms": pick(0.99) if latencies else None,
        "refusals_without_retry_after": sum(part[2] for part in parts),
        "tag": tag,
    }
