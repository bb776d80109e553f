import { describe, expect, it } from "vitest";
import {
  agingBuckets,
  bySource,
  campaignInPeriod,
  cashBand,
  claimWinRate,
  forecastVsTarget,
  inPools,
  overallCompliance,
  quarterBounds,
  rankingRows,
  slaRows,
  targetFor,
  wonText,
  type Campaign,
  type Target,
} from "../src/dashboards";

const target = (over: Partial<Target>): Target => ({
  subject_kind: "team",
  subject_id: "t1",
  team_id: "t1",
  metric: "won_amount",
  currency: "CNY",
  target: "1000",
  status: "approved",
  ...over,
});

describe("periods", () => {
  it("bounds a quarter from its first day to the day after its last", () => {
    expect(quarterBounds("2026-Q4")).toEqual({ from: "2026-10-01", to: "2027-01-01" });
    expect(quarterBounds("2026-Q1")).toEqual({ from: "2026-01-01", to: "2026-04-01" });
  });
});

describe("pool analysis", () => {
  it("adds the pools' customers and gives a claim win rate", () => {
    expect(inPools({ pools: [{ customers: 3 }, { customers: 4 }] } as any)).toBe(7);
    expect(claimWinRate({ reason: "new", claims: 4, claims_won: 1, deals_won: 1, won: [] })).toBe(0.25);
    expect(claimWinRate({ reason: "new", claims: 0, claims_won: 0, deals_won: 0, won: [] })).toBeNull();
    expect(wonText([{ currency: "CNY", amount: "5" }, { currency: "USD", amount: "2" }], (a, c) => `${c}${a}`)).toBe("CNY5, USD2");
    expect(wonText([], () => "x")).toBe("—");
  });
});

describe("forecast against target", () => {
  it("takes the team's approved target, else its members', and the company's without a team", () => {
    const all = [
      target({}),
      target({ subject_kind: "team", subject_id: "t2", team_id: "t2", target: "500" }),
      target({ subject_kind: "user", subject_id: "u1", team_id: "t3", target: "70" }),
      target({ subject_kind: "user", subject_id: "u2", team_id: "t3", target: "30" }),
      target({ subject_kind: "team", subject_id: "t4", team_id: "t4", status: "declared", target: "9" }),
    ];
    expect(targetFor(all, "CNY", "t1")).toBe(1000);
    expect(targetFor(all, "CNY", "t3")).toBe(100);
    expect(targetFor(all, "CNY", "t4")).toBeNull();
    expect(targetFor(all, "CNY")).toBe(1500); // no company target: the teams' add up
    expect(targetFor([...all, target({ subject_kind: "company", subject_id: null, team_id: null, target: "2000" })], "CNY")).toBe(2000);
    expect(targetFor(all, "USD")).toBeNull();
  });
  it("puts closed, commit and best case beside the target", () => {
    const rows = forecastVsTarget({ closed: "100", commit: "1", best_case: "2", commit_rollup: "300", best_case_rollup: "500" }, 1000);
    expect(rows).toEqual([
      { key: "closed", value: 100, ofTarget: 0.1 },
      { key: "commit", value: 300, ofTarget: 0.3 },
      { key: "bestCase", value: 500, ofTarget: 0.5 },
    ]);
    expect(forecastVsTarget({ closed: "1", commit: "2", best_case: "3" }, null)[1]).toEqual({ key: "commit", value: 2, ofTarget: null });
  });
});

describe("rankings", () => {
  it("names reps it knows and keeps the rank order", () => {
    const rows = rankingRows(
      [
        { owner_id: "aaaaaaaa-1", value: "1.25", rank: 1, gap_to_next: null },
        { owner_id: "bbbbbbbb-2", value: "0.5", rank: 2, gap_to_next: "0.75" },
      ],
      { "aaaaaaaa-1": "Li Lei" },
    );
    expect(rows).toEqual([
      { rank: 1, who: "Li Lei", achievement: 1.25, gap: null },
      { rank: 2, who: "bbbbbbbb", achievement: 0.5, gap: 0.75 },
    ]);
  });
});

describe("lead sources and campaigns", () => {
  const campaign = (name: string, channel: string, captured: number, dates: [string | null, string | null]): Campaign => ({
    id: name,
    name,
    channel,
    budget: "100",
    currency: "CNY",
    starts_on: dates[0],
    ends_on: dates[1],
    stats: { captured, qualified: 1, won: 0, revenue: [], cost_per_lead: null, qualification_rate: null, roi: null },
  });
  it("keeps campaigns that ran in the period and sums them per channel", () => {
    const q = quarterBounds("2026-Q4");
    const ran = campaign("a", "web", 5, ["2026-09-01", "2026-10-15"]);
    const before = campaign("b", "web", 9, ["2026-01-01", "2026-09-30"]);
    const open = campaign("c", "expo", 7, [null, null]);
    expect([ran, before, open].filter((c) => campaignInPeriod(c, q.from, q.to)).map((c) => c.name)).toEqual(["a", "c"]);
    expect(bySource([ran, open, campaign("d", "web", 1, [null, null])])).toEqual([
      { channel: "expo", captured: 7, qualified: 1, won: 0 },
      { channel: "web", captured: 6, qualified: 2, won: 0 },
    ]);
  });
});

describe("receivables and cash", () => {
  it("sums the buckets of one currency, or one team's", () => {
    const groups = [
      { key: "t1", currency: "CNY", total: "60", current: "10", "0_30": "20", "31_60": "0", "61_90": "0", "90_plus": "30" },
      { key: "t2", currency: "CNY", total: "5", current: "5", "0_30": "0", "31_60": "0", "61_90": "0", "90_plus": "0" },
      { key: "t1", currency: "USD", total: "99", current: "99", "0_30": "0", "31_60": "0", "61_90": "0", "90_plus": "0" },
    ];
    expect(agingBuckets(groups, "CNY").map((b) => b.amount)).toEqual([15, 20, 0, 0, 30]);
    expect(agingBuckets(groups, "CNY", "t2").map((b) => b.amount)).toEqual([5, 0, 0, 0, 0]);
  });
  it("draws the band as low plus the spread to high", () => {
    const band = cashBand([
      { week_start: "2026-12-07", expected: "100", low: "80", high: "130" },
      { week_start: "2026-12-14", expected: "0", low: "0", high: "0" },
    ]);
    expect(band).toEqual({ categories: ["2026-12-07", "2026-12-14"], expected: [100, 0], low: [80, 0], spread: [50, 0] });
  });
});

describe("service desk", () => {
  it("lists the worst policy first and weighs the overall rate by tickets", () => {
    const byPolicy = {
      Gold: { met: 9, breached: 1, rate: 0.9 },
      Basic: { met: 1, breached: 1, rate: 0.5 },
      New: { met: 0, breached: 0, rate: null },
    };
    expect(slaRows(byPolicy).map((r) => r.policy)).toEqual(["Basic", "Gold", "New"]);
    expect(overallCompliance(byPolicy)).toBeCloseTo(10 / 12);
    expect(overallCompliance({})).toBeNull();
  });
});
