import { describe, expect, it } from "vitest";
import { api, download } from "../src/api";
import { byDay, isoDate, shift, viewDays, weekStart } from "../src/calendar";
import { contractMoves, linesForApi, quoteMoves } from "../src/documents";
import { currentPosition, distanceText, LocationError } from "../src/geo";
import { finished, pollDelay, progressPercent, reportPage } from "../src/importing";
import { messages } from "../src/i18n";
import { session, useFetch } from "../src/session";
import { formatLeft, mostUrgent, readClock, type SlaClock } from "../src/sla";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k)).sort();
}

describe("messages of the rep's screens", () => {
  it("say every word in both languages", () => {
    expect(keys(messages["zh-CN"])).toEqual(keys(messages.en));
    expect(messages["zh-CN"].visits.checkIn).toBe("签到");
  });
});

describe("import progress", () => {
  it("is the processed share, whole percent, and 100 when completed", () => {
    expect(progressPercent({ total: 3, processed: 1, status: "running" })).toBe(33);
    expect(progressPercent({ total: 0, processed: 0, status: "pending" })).toBe(0);
    expect(progressPercent({ total: 0, processed: 0, status: "completed" })).toBe(100);
    expect(progressPercent({ total: 2, processed: 5, status: "running" })).toBe(100);
  });
  it("stops polling once completed or failed, and eases off", () => {
    expect(finished({ status: "running" })).toBe(false);
    expect(finished({ status: "failed" })).toBe(true);
    expect(pollDelay(0)).toBe(500);
    expect(pollDelay(100)).toBe(5000);
  });
  it("pages the report and clamps the page", () => {
    const errors = Array.from({ length: 45 }, (_, i) => ({ line: i + 2, reason: "bad" }));
    expect(reportPage(errors, 0).rows.map((r) => r.line)).toEqual(errors.slice(0, 20).map((e) => e.line));
    const last = reportPage(errors, 9);
    expect([last.index, last.pages, last.rows.length]).toEqual([2, 3, 5]);
    expect(reportPage([], 0)).toEqual({ rows: [], index: 0, pages: 1 });
  });
});

describe("calendar days", () => {
  const wednesday = new Date(2026, 11, 2); // 2 Dec 2026
  it("a week runs Monday to Sunday", () => {
    const days = viewDays("week", wednesday).map(isoDate);
    expect(days).toEqual(["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"]);
    expect(isoDate(weekStart(new Date(2026, 11, 6)))).toBe("2026-11-30"); // a Sunday
  });
  it("a month is padded to whole weeks", () => {
    const days = viewDays("month", wednesday);
    expect(days.length % 7).toBe(0);
    expect(isoDate(days[0])).toBe("2026-11-30");
    expect(days.map(isoDate)).toContain("2026-12-31");
    expect(isoDate(days[days.length - 1])).toBe("2027-01-03");
  });
  it("moves by a day, a week or a month", () => {
    expect(isoDate(shift("day", wednesday, -1))).toBe("2026-12-01");
    expect(isoDate(shift("week", wednesday, 1))).toBe("2026-12-09");
    expect(isoDate(shift("month", new Date(2026, 0, 31), 1))).toBe("2026-02-01");
  });
  it("puts items on the day they start, in time order", () => {
    const at = (d: number, h: number) => new Date(2026, 11, d, h).toISOString();
    const grouped = byDay([
      { id: "b", type: "visit", title: "B", start: at(2, 15), end: at(2, 16) },
      { id: "a", type: "task", title: "A", start: at(2, 9), end: at(2, 9) },
      { id: "c", type: "followup", title: "C", start: at(3, 9), end: at(3, 9) },
    ]);
    expect(grouped.get("2026-12-02")!.map((i) => i.id)).toEqual(["a", "b"]);
    expect(grouped.get("2026-12-03")!.map((i) => i.id)).toEqual(["c"]);
  });
});

describe("SLA clocks", () => {
  const due = "2026-12-03T10:00:00Z";
  const clock = (state: SlaClock["state"], remaining = 30): SlaClock => ({ name: "First response", key: "first_response", due_at: due, remaining_minutes: remaining, state });
  it("count down while running and go negative when late", () => {
    const before = readClock(clock("running"), Date.parse("2026-12-03T08:54:30Z"));
    expect(before).toMatchObject({ late: false, ticking: true, text: "1h 05m" });
    expect(readClock(clock("running"), Date.parse("2026-12-03T10:00:42Z"))).toMatchObject({ late: true, text: "-0m 42s" });
  });
  it("stand still when paused, and read late when breached", () => {
    expect(readClock(clock("paused", 90), Date.now())).toMatchObject({ ticking: false, late: false, text: "1h 30m" });
    expect(readClock(clock("breached", -5), Date.now()).late).toBe(true);
    expect(formatLeft(2 * 86400000 + 3 * 3600000)).toBe("2d 3h");
  });
  it("the most urgent is the running clock due first", () => {
    const later = { ...clock("running"), key: "resolution", due_at: "2026-12-04T00:00:00Z" };
    expect(mostUrgent([later, clock("met"), clock("running")])?.key).toBe("first_response");
    expect(mostUrgent([clock("met")])?.state).toBe("met");
    expect(mostUrgent([])).toBeNull();
  });
});

describe("location", () => {
  it("answers the browser's position", async () => {
    const geolocation = {
      getCurrentPosition: (ok: PositionCallback) => ok({ coords: { latitude: 31.23, longitude: 121.47, accuracy: 12 } } as GeolocationPosition),
    } as unknown as Geolocation;
    expect(await currentPosition(geolocation)).toEqual({ latitude: 31.23, longitude: 121.47, accuracy_m: 12 });
  });
  it("names why it is not known", async () => {
    const refused = { getCurrentPosition: (_: PositionCallback, fail: PositionErrorCallback) => fail({ code: 1 } as GeolocationPositionError) } as unknown as Geolocation;
    await expect(currentPosition(refused)).rejects.toEqual(new LocationError("denied"));
    await expect(currentPosition(undefined)).rejects.toMatchObject({ code: "unsupported" });
  });
  it("says metres near and kilometres far", () => {
    expect(distanceText(420, "en")).toBe("420 m");
    expect(distanceText(12345, "en")).toBe("12.3 km");
    expect(distanceText(null, "en")).toBe("—");
  });
});

describe("documents", () => {
  it("send free lines, leaving blank percentages to the defaults", () => {
    expect(linesForApi([{ name: " 实施 ", quantity: "2", unit_price: "500.00", discount: "", tax_rate: "6" }])).toEqual([
      { name: "实施", quantity: "2", unit_price: "500.00", tax_rate: "6" },
    ]);
  });
  it("offer the moves each state allows", () => {
    expect(quoteMoves("draft")).toEqual(["send"]);
    expect(quoteMoves("sent")).toEqual(["accept", "reject"]);
    expect(quoteMoves("superseded")).toEqual([]);
    expect(contractMoves("rejected")).toEqual(["submit"]);
    expect(contractMoves("approved")).toEqual(["activate"]);
    expect(contractMoves("pending_approval")).toEqual([]);
  });
});

describe("the API with files", () => {
  it("sends a file as it is, with its own type and the token", async () => {
    const seen: RequestInit[] = [];
    useFetch(async (_url, init) => {
      seen.push(init!);
      return new Response(JSON.stringify({ id: "v1", has_photo: true }), { status: 200, headers: { "Content-Type": "application/json" } });
    });
    session.accessToken = "tok";
    const photo = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" });
    await api("PUT", "visits/v1/photo", { body: photo });
    const headers = seen[0].headers as Record<string, string>;
    expect(seen[0].body).toBe(photo);
    expect(headers["Content-Type"]).toBeUndefined(); // fetch takes it from the blob
    expect(headers.Authorization).toBe("Bearer tok");
    await api("POST", "leads", { body: { name: "x" } });
    expect((seen[1].headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });
  it("downloads a PDF with the token, and a 404 as a plain ApiError", async () => {
    useFetch(async (url) =>
      String(url).includes("missing")
        ? new Response(JSON.stringify({ title: "Not Found", detail: "no such quote" }), { status: 404 })
        : new Response("%PDF-1.4", { status: 200, headers: { "Content-Type": "application/pdf" } }),
    );
    const blob = await download("quotes/q1.pdf");
    expect(await blob.text()).toBe("%PDF-1.4");
    await expect(download("quotes/missing.pdf")).rejects.toMatchObject({ status: 404, detail: "no such quote" });
    session.accessToken = null;
  });
});

describe("who is offered the new screens", () => {
  it("a rep gets the field and paperwork screens, an agent the desk only", async () => {
    const { allowed, routes } = await import("../src/router");
    const offered = (roles: string[]) => {
      session.user = { id: "u", username: "u", roles, team_id: null };
      return routes.filter((r) => r.meta?.nav && allowed(r)).map((r) => r.path);
    };
    expect(offered(["rep"])).toEqual(expect.arrayContaining(["/leads/import", "/visits", "/calendar", "/quotes", "/contracts", "/orders"]));
    expect(offered(["rep"])).not.toContain("/desk");
    expect(offered(["service_agent"])).toEqual(["/desk"]);
    expect(offered(["finance"])).toContain("/orders");
    expect(offered(["finance"])).not.toContain("/visits");
    session.user = null;
  });
});
