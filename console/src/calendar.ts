/** The calendar's days: which dates a day, week or month view shows, and what falls on each. */

export type CalendarView = "day" | "week" | "month";

export interface CalendarItem {
  id: string;
  type: "task" | "followup" | "visit";
  title: string;
  start: string;
  end: string;
  completed?: boolean;
  priority?: string | null;
  location?: string | null;
}

/** YYYY-MM-DD of a local date (what the API's ``date`` takes). */
export function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
}

/** Monday of the week of ``d`` (weeks start on Monday, as the API's week view does). */
export function weekStart(d: Date): Date {
  return addDays(d, -((d.getDay() + 6) % 7));
}

/**
 * The dates a view shows around ``anchor``: one day, Monday to Sunday, or
 * the month padded to whole weeks so it lays out as a grid.
 */
export function viewDays(view: CalendarView, anchor: Date): Date[] {
  const day = new Date(anchor.getFullYear(), anchor.getMonth(), anchor.getDate());
  if (view === "day") return [day];
  if (view === "week") return Array.from({ length: 7 }, (_, i) => addDays(weekStart(day), i));
  const first = weekStart(new Date(day.getFullYear(), day.getMonth(), 1));
  const last = new Date(day.getFullYear(), day.getMonth() + 1, 0);
  const days: Date[] = [];
  for (let d = first; d <= last || days.length % 7 !== 0; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The anchor one view earlier (step -1) or later (+1). */
export function shift(view: CalendarView, anchor: Date, step: number): Date {
  if (view === "day") return addDays(anchor, step);
  if (view === "week") return addDays(anchor, 7 * step);
  return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
}

/** Items by the local date they start on, each day's in time order. */
export function byDay(items: readonly CalendarItem[]): Map<string, CalendarItem[]> {
  const days = new Map<string, CalendarItem[]>();
  for (const item of [...items].sort((a, b) => a.start.localeCompare(b.start))) {
    const key = isoDate(new Date(item.start));
    days.set(key, [...(days.get(key) ?? []), item]);
  }
  return days;
}

/** The browser's IANA zone, so the API cuts days where the rep lives. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
