/** Where the phone is, from the browser's geolocation, as a promise. */

export interface Position {
  latitude: number;
  longitude: number;
  accuracy_m: number | null;
}

export class LocationError extends Error {
  constructor(readonly code: "unsupported" | "denied" | "unavailable" | "timeout") {
    super(code);
  }
}

const CODES: Record<number, LocationError["code"]> = { 1: "denied", 2: "unavailable", 3: "timeout" };

/** The current position; rejects with a LocationError naming why it is not known. */
export function currentPosition(
  geolocation: Geolocation | undefined = typeof navigator !== "undefined" ? navigator.geolocation : undefined,
  timeoutMs = 15000,
): Promise<Position> {
  if (!geolocation) return Promise.reject(new LocationError("unsupported"));
  return new Promise((resolve, reject) => {
    geolocation.getCurrentPosition(
      (p) =>
        resolve({
          latitude: p.coords.latitude,
          longitude: p.coords.longitude,
          accuracy_m: Number.isFinite(p.coords.accuracy) ? p.coords.accuracy : null,
        }),
      (e) => reject(new LocationError(CODES[e.code] ?? "unavailable")),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    );
  });
}

/** A distance for a list: metres under 1 km, else kilometres with one decimal. */
export function distanceText(metres: number | null | undefined, locale = "zh-CN"): string {
  if (metres === null || metres === undefined) return "—";
  if (metres < 1000) {
    return new Intl.NumberFormat(locale, { style: "unit", unit: "meter", maximumFractionDigits: 0 }).format(metres);
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 }).format(metres / 1000);
}
