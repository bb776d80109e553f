import { describe, expect, it } from "vitest";
import { editableCopy, parseRoles, poolRulesPatch } from "../src/settings";

describe("settings", () => {
  it("sends back only the writable fields, and only the writable fields of nested rows", () => {
    const pipeline = {
      id: "p1",
      name: "Sales",
      created_at: "x",
      stages: [{ id: "s1", name: "New", probability: 10, kind: "open", forecast_category: "pipeline", position: 0, deals: 4 }],
    };
    expect(editableCopy(pipeline, ["name", "stages", "team_ids"], { stages: ["id", "name", "probability", "kind", "forecast_category"] })).toEqual({
      name: "Sales",
      stages: [{ id: "s1", name: "New", probability: 10, kind: "open", forecast_category: "pipeline" }],
    });
  });
  it("reads roles from a list typed by hand", () => {
    expect(parseRoles(" rep, manager rep ")).toEqual(["rep", "manager"]);
    expect(parseRoles("")).toEqual([]);
  });
  it("turns the pool form into partial rules (0 days switches the rule off)", () => {
    expect(poolRulesPatch(30, 5)).toEqual({ no_followup: { enabled: true, days: 30 }, daily_claim_limit: 5 });
    expect(poolRulesPatch(0, null)).toEqual({ no_followup: { enabled: false, days: 0 }, daily_claim_limit: null });
    expect(poolRulesPatch(null, null)).toEqual({ daily_claim_limit: null });
  });
});
