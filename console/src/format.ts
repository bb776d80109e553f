/** Money, numbers and dates in the user's locale (CNY as ¥1,234.56). */
export function money(amount: string | number | null | undefined, currency = "CNY", locale = "zh-CN"): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = typeof amount === "number" ? amount : Number(amount);
  if (Number.isNaN(value)) return String(amount);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    currencyDisplay: "narrowSymbol",
  }).format(value);
}

export function number(value: number | null | undefined, locale = "zh-CN", digits = 0): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

export function percent(value: number | null | undefined, locale = "zh-CN"): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(value);
}

export function dateTime(value: string | null | undefined, locale = "zh-CN"): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

export function date(value: string | null | undefined, locale = "zh-CN"): string {
  if (!value) return "—";
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(parsed);
}

/** The current quarter as the forecast names it: 2026-Q4. */
export function currentQuarter(now = new Date()): string {
  return `${now.getFullYear()}-Q${Math.floor(now.getMonth() / 3) + 1}`;
}
