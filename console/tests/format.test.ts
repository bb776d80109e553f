import { describe, expect, it } from "vitest";
import { currentQuarter, money } from "../src/format";
import { browserLocale } from "../src/i18n";
import { forecastSeries, funnelSeries, recentQuarters } from "../src/dashboard";

describe("money", () => {
  it("shows CNY as ¥1,234.56 in Chinese and English", () => {
    expect(money("1234.56", "CNY", "zh-CN")).toBe("¥1,234.56");
    expect(money("1234.56", "CNY", "en")).toBe("¥1,234.56");
  });
  it("shows a missing amount as a dash", () => {
    expect(money(null)).toBe("—");
  });
});

describe("locale from the browser", () => {
  it("takes the first language the console speaks", () => {
    expect(browserLocale(["zh-TW", "en"])).toBe("zh-CN");
    expect(browserLocale(["fr-FR", "en-GB"])).toBe("en");
    expect(browserLocale(["de"])).toBe("en");
  });
});

describe("dashboard numbers", () => {
  it("names quarters as the forecast does, crossing the year", () => {
    expect(currentQuarter(new Date(2026, 11, 3))).toBe("2026-Q4");
    expect(recentQuarters(new Date(2026, 1, 1), 3)).toEqual(["2026-Q1", "2025-Q4", "2025-Q3"]);
  });
  it("leaves lost stages out of the funnel", () => {
    const stages = [
      { name: "lead", kind: "open", reached: 10, current: 4, conversion_to_next: 0.6 },
      { name: "won", kind: "won", reached: 3, current: 3, conversion_to_next: null },
      { name: "lost", kind: "lost", reached: 2, current: 2, conversion_to_next: null },
    ];
    expect(funnelSeries(stages)).toEqual([
      { name: "lead", value: 10 },
      { name: "won", value: 3 },
    ]);
  });
  it("puts the forecast figures side by side as numbers", () => {
    const series = forecastSeries({ currency: "CNY", closed: "1.50", commit: "95000.00", best_case: "0", pipeline: "3", stage_weighted: "66500.00" });
    expect(series.map(([, v]) => v)).toEqual([1.5, 95000, 0, 3, 66500]);
  });
});
