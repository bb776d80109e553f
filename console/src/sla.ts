/** SLA clocks counting down: what is left (or how late it is) at a given moment. */

export interface SlaClock {
  name: string;
  key: string;
  due_at: string;
  remaining_minutes: number;
  state: "running" | "paused" | "met" | "breached";
}

export interface ClockReading {
  /** Milliseconds until due; negative once late. */
  leftMs: number;
  late: boolean;
  /** Whether it moves: a paused, met or breached-and-stopped clock is fixed. */
  ticking: boolean;
  text: string;
}

/** "1h 05m" / "-0h 12m" / "2d 3h": short enough for a queue row. */
export function formatLeft(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days) return `${sign}${days}d ${hours}h`;
  if (hours) return `${sign}${hours}h ${String(minutes).padStart(2, "0")}m`;
  return `${sign}${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/**
 * A clock at ``now``. A running clock counts down to its due time; a paused
 * one shows what the API last said was left (business time does not pass
 * while it waits on the customer), and a met one shows nothing more to do.
 */
export function readClock(clock: SlaClock, now: number): ClockReading {
  if (clock.state === "running") {
    const leftMs = Date.parse(clock.due_at) - now;
    return { leftMs, late: leftMs < 0, ticking: true, text: formatLeft(leftMs) };
  }
  const leftMs = clock.remaining_minutes * 60000;
  return { leftMs, late: clock.state === "breached", ticking: false, text: formatLeft(leftMs) };
}

/** The clock that matters most now: the running one due soonest, else the first. */
export function mostUrgent(clocks: readonly SlaClock[] | undefined): SlaClock | null {
  if (!clocks || clocks.length === 0) return null;
  const running = clocks.filter((c) => c.state === "running").sort((a, b) => a.due_at.localeCompare(b.due_at));
  return running[0] ?? clocks[0];
}
