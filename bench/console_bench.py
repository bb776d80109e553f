"""Console figures with the browser: the shell's JavaScript, and each screen's time to data.

Starts the whole system embedded (``crm-run``: SQLite files, the in-memory
bus) in a throwaway directory, seeds it through the gateway (a rep's leads
and customers, a pool, deals, campaigns), then drives Debian's Chromium
headless with Playwright:

- the shell: the JavaScript the browser fetches to show the sign-in page,
  gzipped (target < 300 KB; charts and heavy screens load when opened);
- per screen, from the click on its link to its data on the page (target
  < 1 s each), beside the bare reference measured in the same run: the same
  screen's main API call made straight through the gateway with ``requests``.

Timings are printed, never asserted. Environment: BENCH_CONSOLE_PORT_OFFSET
(default 12000), BENCH_CONSOLE_ROWS (leads and customers seeded, default 200),
BENCH_CONSOLE_REPEAT (measurements per screen, default 5).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
OFFSET = int(os.environ.get("BENCH_CONSOLE_PORT_OFFSET", "12000"))
ROWS = int(os.environ.get("BENCH_CONSOLE_ROWS", "200"))
REPEAT = int(os.environ.get("BENCH_CONSOLE_REPEAT", "5"))
ADMIN_PASSWORD = "bench-console-admin"
PASSWORD = "a-long-password"
PORTS = {
    "gateway": 8000,
    "leads": 8101,
    "customers": 8102,
    "opportunities": 8103,
    "orders": 8104,
    "service-desk": 8105,
    "compensation": 8106,
    "notifications": 8107,
}


def start(workdir: Path) -> subprocess.Popen[bytes]:
    """``crm-run`` on the bench's ports, ready when every service answers /readyz."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("CRM_") and k.endswith(("_DATABASE_URL", "_URL", "_PORT")))
    }
    env.update({"CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_LOG_LEVEL": "WARNING"})
    log = open(workdir / "system.log", "wb")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(
        [str(BIN / "crm-run"), "--port-offset", str(OFFSET), "--data-dir", str(workdir)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    pending = [f"http://127.0.0.1:{p + OFFSET}/readyz" for p in PORTS.values()]
    while pending and time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((workdir / "system.log").read_text()[-3000:])
        pending = [u for u in pending if not _ready(u)]
        time.sleep(0.3)
    if pending:
        stop(process)
        raise SystemExit(f"not ready: {pending}")
    return process


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Api:
    """Calls through the gateway with a bearer token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def token(self, username: str, password: str) -> str:
        answer = self.http.post(
            f"{self.base}/api/v1/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.http.request(
            method, f"{self.base}{path}", headers=headers, timeout=60, **kwargs
        )


def seed(api: Api) -> dict[str, str]:
    """A team with a rep and a manager, an admin, and the rep's book, pool and deals."""
    admin = api.token("admin", ADMIN_PASSWORD)
    team = api.call("POST", "/api/v1/teams", admin, json={"name": "Bench team"}).json()["id"]
    names = {}
    for role in ("rep", "manager", "admin"):
        username = f"bench-{role}"
        made = api.call(
            "POST",
            "/api/v1/users",
            admin,
            json={"username": username, "password": PASSWORD, "roles": [role], "team_id": team},
        )
        assert made.status_code == 201, made.text
        names[role] = username
    rep = api.token(names["rep"], PASSWORD)
    for start in range(0, ROWS, 500):
        batch = [
            {
                "name": f"Lead {i}",
                "email": f"lead{i}@example.com",
                "company": f"Company {i}",
                "source": ("web", "expo", "referral")[i % 3],
            }
            for i in range(start, min(ROWS, start + 500))
        ]
        done = api.call("POST", "/api/v1/leads/batch", rep, json={"leads": batch})
        assert done.status_code == 200, done.text
    for i in range(ROWS):
        body: dict[str, Any] = {"name": f"Customer {i}", "industry": "software"}
        if i % 3 == 0:
            body["in_pool"] = True
        made = api.call("POST", "/api/v1/customers", rep if i % 3 else admin, json=body)
        assert made.status_code == 201, made.text
        if i < 40 and i % 3:
            api.call(
                "POST",
                "/api/v1/opportunities",
                rep,
                json={
                    "customer_id": made.json()["id"],
                    "name": f"Deal {i}",
                    "amount": f"{1000 + i}.00",
                    "currency": "CNY",
                },
            )
    for i in range(10):
        api.call(
            "POST",
            "/api/v1/campaigns",
            admin,
            json={
                "name": f"Campaign {i}",
                "channel": ("web", "expo")[i % 2],
                "budget": "5000.00",
                "currency": "CNY",
            },
        )
    return names


# Each screen: its nav link, what shows that its data is on the page, the API
# call its data comes from (the bare reference), and who opens it.
QUARTER = time.strftime("%Y") + f"-Q{(int(time.strftime('%m')) - 1) // 3 + 1}"
SCREENS: list[tuple[str, str, str, str]] = [
    ("Today", "main h1", "/api/v1/customers?limit=20", "rep"),
    ("Leads", "main table tbody tr", "/api/v1/leads?limit=20", "rep"),
    ("Customers", "main table tbody tr", "/api/v1/customers?limit=20", "rep"),
    ("Deals", "article[data-deal]", "/api/v1/opportunities?limit=100", "rep"),
    ("Approvals", "main h1", "/api/v1/approvals?mine=pending&limit=20", "rep"),
    (
        "Dashboard",
        '[data-testid="dashboard"][data-loaded="true"] canvas',
        f"/api/v1/opportunities/forecast?period={QUARTER}",
        "admin",
    ),
    ("Team settings", '[data-testid="users-list"] tbody tr', "/api/v1/users", "admin"),
]


def timed(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _signed_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Today").wait_for()
    return page


def _screen(page: Any, api: Api, token: str, name: str, marker: str, path: str) -> dict[str, Any]:
    """Open the screen REPEAT times (after a first opening that loads its code), timing each."""
    from playwright.sync_api import expect

    times, bare, first = [], [], 0.0
    for i in range(REPEAT + 1):
        other = "Customers" if name == "Today" else "Today"
        page.get_by_role("link", name=other, exact=True).click()
        page.locator("main h1").first.wait_for()
        expect(page.locator("p[aria-live]")).to_have_count(0)

        def shown() -> None:
            page.get_by_role("link", name=name, exact=True).click()
            page.locator(marker).first.wait_for()
            expect(page.locator("p[aria-live]")).to_have_count(0)

        spent = timed(shown)
        answer_time = timed(lambda: api.call("GET", path, token).raise_for_status())
        if i == 0:
            first = spent
            continue
        times.append(spent)
        bare.append(answer_time)
    return {
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "api_call_median_s": round(statistics.median(bare), 3),
        "first_open_s": round(first, 3),
    }


def measure(base: str, api: Api, names: dict[str, str]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    fetched: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        first = browser.new_context(locale="en-US").new_page()
        first.on(
            "response",
            lambda r: fetched.append(r.url) if r.url.endswith(".js") and r.ok else None,
        )
        first.goto(base + "/")
        first.get_by_label("Username").wait_for()
        first.wait_for_load_state("networkidle")
        shell = sorted(set(fetched))
        dist = ROOT / "console" / "dist"
        shell_gzip = sum(
            len(gzip.compress((dist / url.split(base + "/", 1)[1]).read_bytes(), 9))
            for url in shell
        )
        screens: dict[str, Any] = {}
        for who in ("rep", "admin"):
            page = _signed_in(browser, base, names[who])
            token = api.token(names[who], PASSWORD)
            for name, marker, path, user in SCREENS:
                if user == who:
                    screens[name] = _screen(page, api, token, name, marker, path)
        browser.close()
    return {
        "shell_js": [u.split("/")[-1] for u in shell],
        "shell_gzip_bytes": shell_gzip,
        "screens": screens,
    }


def main() -> int:
    if not CHROMIUM.exists():
        print(f"console bench skipped: no {CHROMIUM} (make browser)")
        return 0
    if not (ROOT / "console" / "dist" / "index.html").exists():
        print("console bench skipped: no console build (make console)")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="crm-console-bench-"))
    process = start(workdir)
    try:
        base = f"http://127.0.0.1:{PORTS['gateway'] + OFFSET}"
        api = Api(base)
        began = time.perf_counter()
        names = seed(api)
        print(f"seeded {ROWS} leads and {ROWS} customers in {time.perf_counter() - began:.1f} s")
        figures = measure(base, api, names)
    finally:
        stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()
    kb = figures["shell_gzip_bytes"] / 1024
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"shell JavaScript on the sign-in page: {kb:.1f} KB gzipped (target < 300 KB): "
        + ", ".join(figures["shell_js"])
    )
    print(f"{'screen':<16}{'time to data (median)':>24}{'max':>10}{'its API call (bare)':>22}")
    for name, *_ in SCREENS:
        s = figures["screens"][name]
        print(
            f"{name:<16}{s['median_s'] * 1000:>21.0f} ms{s['max_s'] * 1000:>7.0f} ms"
            f"{s['api_call_median_s'] * 1000:>19.0f} ms"
        )
    first = {name: figures["screens"][name]["first_open_s"] for name, *_ in SCREENS}
    print("first opening (loads the screen's code):", json.dumps(first))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out / f"console-{stamp}-{uuid.uuid4().hex[:4]}.json").write_text(
        json.dumps({**figures, "load_average": load, "rows": ROWS}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
