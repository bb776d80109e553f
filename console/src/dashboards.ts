/**
 * The manager's panels beyond the funnel: pool analysis, forecast against
 * target, rankings, lead sources and campaign ROI, receivables aging, the cash
 * forecast's band, SLA compliance and CSAT. Pure: API answers in, table rows
 * and chart series out (tested alone; the view only fetches and shows).
 */

export interface Column {
  key: string;
  label: string;
  num?: boolean;
}

export type Row = Record<string, string | number | null>;

/** [from, to) of a quarter named like 2026-Q4, as dates (to: the day after its last). */
export function quarterBounds(period: string): { from: string; to: string } {
  const [year, q] = [Number(period.slice(0, 4)), Number(period.slice(-1))];
  const start = new Date(Date.UTC(year, (q - 1) * 3, 1));
  const end = new Date(Date.UTC(year, q * 3, 1));
  return { from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
}

// ---- pool analysis (customers) ----

export interface PoolWeek {
  week: string;
  claims: number;
  recycles: number;
}

export interface PoolReason {
  reason: string;
  claims: number;
  claims_won: number;
  deals_won: number;
  won: { currency: string; amount: string }[];
}

export interface PoolAnalytics {
  pools: { pool_id: string; name: string; customers: number }[];
  weeks: PoolWeek[];
  claims: number;
  recycles: number;
  median_hours_to_claim: number | null;
  by_reason: PoolReason[];
}

/** Customers waiting in all pools now. */
export function inPools(a: PoolAnalytics): number {
  return a.pools.reduce((sum, p) => sum + p.customers, 0);
}

/** The weekly claims and recycles as a two-bar chart's series. */
export function poolWeekSeries(weeks: PoolWeek[]) {
  return {
    categories: weeks.map((w) => w.week),
    claims: weeks.map((w) => w.claims),
    recycles: weeks.map((w) => w.recycles),
  };
}

/** Share of claims that led to a won deal (null: no claims). */
export function claimWinRate(r: PoolReason): number | null {
  return r.claims ? r.claims_won / r.claims : null;
}

/** Won amounts as one line, "CNY 1000.00, USD 5.00" (currencies are not added together). */
export function wonText(won: { currency: string; amount: string }[], fmt: (amount: string, currency: string) => string): string {
  return won.length ? won.map((w) => fmt(w.amount, w.currency)).join(", ") : "—";
}

// ---- forecast against target (opportunities + compensation) ----

export interface Target {
  subject_kind: string;
  subject_id: string | null;
  team_id: string | null;
  metric: string;
  currency: string | null;
  target: string;
  status: string;
}

/**
 * The won-amount target a forecast is compared with: the team's own target
 * when a team is chosen, else the company's, else the sum of the teams'.
 * Only approved targets count. Null when none is set.
 */
export function targetFor(targets: Target[], currency: string, team?: string): number | null {
  const usable = targets.filter(
    (t) => t.status === "approved" && t.metric === "won_amount" && (!t.currency || t.currency === currency),
  );
  if (team) {
    const own = usable.find((t) => t.subject_kind === "team" && t.subject_id === team);
    if (own) return Number(own.target);
    const members = usable.filter((t) => t.subject_kind === "user" && t.team_id === team);
    return members.length ? members.reduce((s, t) => s + Number(t.target), 0) : null;
  }
  const company = usable.find((t) => t.subject_kind === "company");
  if (company) return Number(company.target);
  const teams = usable.filter((t) => t.subject_kind === "team");
  return teams.length ? teams.reduce((s, t) => s + Number(t.target), 0) : null;
}

/** The three forecast figures (closed, commit and best case, each rolled up) beside the target. */
export function forecastVsTarget(
  figures: { closed: string; commit_rollup?: string; best_case_rollup?: string; commit: string; best_case: string },
  target: number | null,
) {
  const rows = [
    { key: "closed", value: Number(figures.closed) },
    { key: "commit", value: Number(figures.commit_rollup ?? figures.commit) },
    { key: "bestCase", value: Number(figures.best_case_rollup ?? figures.best_case) },
  ];
  return rows.map((r) => ({ ...r, ofTarget: target ? r.value / target : null }));
}

// ---- rankings (compensation) ----

export interface Standing {
  owner_id: string;
  value: string;
  rank: number;
  gap_to_next: string | null;
}

/** Rankings by achievement: the value is a ratio of target (1 = 100 %). */
export function rankingRows(items: Standing[], names: Record<string, string>) {
  return items.map((s) => ({
    rank: s.rank,
    who: names[s.owner_id] ?? s.owner_id.slice(0, 8),
    achievement: Number(s.value),
    gap: s.gap_to_next === null ? null : Number(s.gap_to_next),
  }));
}

// ---- lead sources and campaign ROI (leads) ----

export interface Campaign {
  id: string;
  name: string;
  channel: string;
  budget: string | null;
  currency: string | null;
  starts_on: string | null;
  ends_on: string | null;
  stats: {
    captured: number;
    qualified: number;
    won: number;
    revenue: { currency: string; amount: string }[];
    cost_per_lead: string | null;
    qualification_rate: number | null;
    roi: string | null;
  };
}

/** Whether a campaign ran during [from, to) (open-ended dates run forever that way). */
export function campaignInPeriod(c: Campaign, from: string, to: string): boolean {
  return (!c.starts_on || c.starts_on < to) && (!c.ends_on || c.ends_on >= from);
}

/** Leads captured, qualified and won per source channel, the busiest first. */
export function bySource(campaigns: Campaign[]) {
  const rows = new Map<string, { channel: string; captured: number; qualified: number; won: number }>();
  for (const c of campaigns) {
    const row = rows.get(c.channel) ?? { channel: c.channel, captured: 0, qualified: 0, won: 0 };
    row.captured += c.stats.captured;
    row.qualified += c.stats.qualified;
    row.won += c.stats.won;
    rows.set(c.channel, row);
  }
  return [...rows.values()].sort((a, b) => b.captured - a.captured || a.channel.localeCompare(b.channel));
}

// ---- receivables aging and cash forecast (orders) ----

export const AGING_BUCKETS = ["current", "0_30", "31_60", "61_90", "90_plus"] as const;

export interface AgingGroup {
  key: string | null;
  currency: string;
  total: string;
  [bucket: string]: string | null;
}

/** Outstanding per bucket of days past due, summed over the groups shown (one currency). */
export function agingBuckets(groups: AgingGroup[], currency: string, team?: string) {
  const chosen = groups.filter((g) => g.currency === currency && (!team || g.key === team));
  return AGING_BUCKETS.map((bucket) => ({
    bucket,
    amount: chosen.reduce((sum, g) => sum + Number(g[bucket] ?? 0), 0),
  }));
}

export interface CashWeek {
  week_start: string;
  expected: string;
  low: string;
  high: string;
}

/**
 * The cash forecast as a line and its band: the band is drawn as a stacked
 * area of ``low`` plus (``high`` - ``low``), so only the gap between is filled.
 */
export function cashBand(weeks: CashWeek[]) {
  return {
    categories: weeks.map((w) => w.week_start),
    expected: weeks.map((w) => Number(w.expected)),
    low: weeks.map((w) => Number(w.low)),
    spread: weeks.map((w) => Math.max(Number(w.high) - Number(w.low), 0)),
  };
}

// ---- service desk (SLA and CSAT) ----

export interface Compliance {
  met: number;
  breached: number;
  rate: number | null;
}

/** SLA compliance per policy, the worst first (no rate yet: last). */
export function slaRows(byPolicy: Record<string, Compliance>) {
  return Object.entries(byPolicy)
    .map(([policy, c]) => ({ policy, met: c.met, breached: c.breached, rate: c.rate }))
    .sort((a, b) => (a.rate ?? 2) - (b.rate ?? 2) || a.policy.localeCompare(b.policy));
}

/** Overall compliance over policies: met / (met + breached). */
export function overallCompliance(byPolicy: Record<string, Compliance>): number | null {
  let met = 0;
  let all = 0;
  for (const c of Object.values(byPolicy)) {
    met += c.met;
    all += c.met + c.breached;
  }
  return all ? met / all : null;
}
