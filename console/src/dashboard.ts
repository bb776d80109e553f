/** The numbers behind the dashboard's charts and tables (pure: tested alone). */
export interface FunnelStage {
  name: string;
  kind: string;
  reached: number;
  current: number;
  conversion_to_next: number | null;
}

export interface Figures {
  currency: string;
  closed: string;
  commit: string;
  best_case: string;
  pipeline: string;
  stage_weighted: string;
}

/** Funnel rows in pipeline order, lost stages left out (they are not a step). */
export function funnelRows(stages: FunnelStage[]): FunnelStage[] {
  return stages.filter((s) => s.kind !== "lost");
}

export function funnelSeries(stages: FunnelStage[]) {
  return funnelRows(stages).map((s) => ({ name: s.name, value: s.reached }));
}

/** The forecast's figures side by side, as numbers for a bar chart. */
export function forecastSeries(figures: Figures) {
  return [
    ["closed", Number(figures.closed)],
    ["commit", Number(figures.commit)],
    ["bestCase", Number(figures.best_case)],
    ["pipelineAmount", Number(figures.pipeline)],
    ["weighted", Number(figures.stage_weighted)],
  ] as const;
}

/** Quarters from this one back, as the forecast names them. */
export function recentQuarters(now = new Date(), count = 4): string[] {
  const out: string[] = [];
  let year = now.getFullYear();
  let quarter = Math.floor(now.getMonth() / 3) + 1;
  for (let i = 0; i < count; i++) {
    out.push(`${year}-Q${quarter}`);
    quarter -= 1;
    if (quarter === 0) {
      quarter = 4;
      year -= 1;
    }
  }
  return out;
}
