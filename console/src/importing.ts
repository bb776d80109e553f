/** A lead import job as the console follows it: progress, when to stop polling, its error report. */

export interface ImportRowError {
  line: number;
  field?: string;
  reason: string;
  severity?: "error" | "warning";
}

export interface ImportJob {
  id: string;
  status: "pending" | "running" | "completed" | "failed";
  filename: string;
  total: number;
  processed: number;
  imported: number;
  duplicates: number;
  failed: number;
  errors: ImportRowError[];
  errors_truncated?: boolean;
  warnings?: number;
  failure?: string | null;
}

/** Whole percent of the rows processed (an empty file is done at once). */
export function progressPercent(job: Pick<ImportJob, "total" | "processed" | "status">): number {
  if (job.status === "completed") return 100;
  if (!job.total) return 0;
  return Math.min(100, Math.floor((job.processed / job.total) * 100));
}

/** A job that will not change any more: polling stops. */
export function finished(job: Pick<ImportJob, "status">): boolean {
  return job.status === "completed" || job.status === "failed";
}

/**
 * One page of the per-row report. The job answer carries the report itself
 * (up to 1000 rows, ``errors_truncated`` beyond), so the screen pages it here
 * rather than drawing a thousand rows at once.
 */
export function reportPage(errors: readonly ImportRowError[], index: number, size = 20) {
  const pages = Math.max(1, Math.ceil(errors.length / size));
  const at = Math.min(Math.max(0, index), pages - 1);
  return { rows: errors.slice(at * size, at * size + size), index: at, pages };
}

/** How long to wait before polling again: quick at first, then easing off to 5 s. */
export function pollDelay(attempt: number): number {
  return Math.min(5000, 500 + attempt * 250);
}
