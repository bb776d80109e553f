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
