import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { defineComponent } from "vue";
import { createMemoryHistory, createRouter } from "vue-router";
import { makeI18n } from "../src/i18n";
import { session, useFetch } from "../src/session";
import CommissionView from "../src/views/CommissionView.vue";

type Call = { method: string; url: string; body: unknown; headers: Record<string, string> };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function fakeApi(handlers: Record<string, (call: Call) => Response>): Call[] {
  const calls: Call[] = [];
  useFetch(async (input, init) => {
    const url = String(input);
    const call = { method: init?.method ?? "GET", url, body: init?.body, headers: (init?.headers ?? {}) as Record<string, string> };
    calls.push(call);
    const path = url.replace(/^\/api\/v1\//, "");
    const key = Object.keys(handlers).find((k) => `${call.method} ${path}`.startsWith(k));
    return key ? handlers[key](call) : json(404, { title: "Not Found" });
  });
  return calls;
}

function mountView(locale = "en") {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/:rest(.*)*", component: defineComponent({ template: "<div/>" }) }] });
  return mount(CommissionView, { global: { plugins: [makeI18n(locale), router] } });
}

const totals = (paid: string, pending: string) => ({
  currency: "CNY", base: "100000.00", accrued: "3000.00", clawed_back: "0.00", true_up: "0.00",
  net: "3000.00", paid, pending, unpaid_from_earlier: "0.00",
});

function statement(status: string, pending = "0.00", payouts: unknown[] = []) {
  return {
    owner_id: "rep-1", period: "2026-11", period_status: status,
    lines: [{ id: "l1", owner_id: "rep-1", period: "2026-11", kind: "accrual", currency: "CNY", base_amount: "100000.00", amount: "3000.00", ref_id: "p1", source_type: "payment", note: null, created_at: "2026-11-20T02:00:00Z" }],
    totals: [totals("0.00", pending)], payouts,
  };
}

afterEach(() => {
  session.user = null;
  session.accessToken = null;
});

describe("commission", () => {
  it("shows a rep their own month and offers them no payout or close", async () => {
    session.user = { id: "rep-1", username: "rep1", roles: ["rep"], team_id: null };
    session.accessToken = "tok";
    const calls = fakeApi({ "GET compensation/statements": () => json(200, statement("open")) });
    const wrapper = mountView("zh-CN");
    await flushPromises();
    expect(calls.map((c) => c.url)).toEqual([expect.stringMatching(/^\/api\/v1\/compensation\/statements\?period=\d{4}-\d{2}$/)]);
    expect(wrapper.find('[data-testid="net"]').text()).toBe("¥3,000.00");
    expect(wrapper.find('[data-testid="lines"]').text()).toContain("计提");
    expect(wrapper.findAll("button")).toHaveLength(0);
  });

  it("lets a manager ask once for a closed month's payout for a team member", async () => {
    session.user = { id: "mgr-1", username: "mgr", roles: ["manager"], team_id: "t1" };
    session.accessToken = "tok";
    let requested = false;
    const calls = fakeApi({
      "GET users": () => json(200, { items: [{ id: "mgr-1", username: "mgr" }, { id: "rep-1", username: "rep1", display_name: "李雷" }] }),
      "GET compensation/statements": (call) =>
        json(200, call.url.includes("owner_id=rep-1")
          ? requested ? statement("closed", "3000.00", [{ id: "po1", amount: "3000.00", currency: "CNY", status: "pending_approval", created_at: "2026-12-01T01:00:00Z" }]) : statement("closed")
          : { ...statement("closed"), owner_id: "mgr-1", totals: [], lines: [] }),
      "POST compensation/payouts": () => {
        requested = true;
        return json(201, { id: "po1", amount: "3000.00", currency: "CNY", status: "pending_approval" });
      },
    });
    const wrapper = mountView();
    await flushPromises();
    expect(wrapper.text()).toContain("No commission in this month yet.");
    await wrapper.find("#commission-month").setValue("2026-11");
    await wrapper.find("#commission-person").setValue("rep-1");
    await flushPromises();
    const pay = wrapper.findAll("button").find((b) => b.text().includes("Request payout"))!;
    expect(pay.text()).toBe("Request payout of ¥3,000.00");
    await pay.trigger("click");
    await flushPromises();
    const post = calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(String(post.body))).toEqual({ owner_id: "rep-1", period: "2026-11", currency: "CNY" });
    expect(post.headers["Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
    expect(wrapper.find('[role="status"]').text()).toContain("¥3,000.00");
    expect(wrapper.find('[data-testid="payouts"]').text()).toContain("Waiting for approval");
    // Asked for: nothing left to pay, so no second request is offered.
    expect(wrapper.findAll("button").some((b) => b.text().includes("Request payout"))).toBe(false);
  });

  it("lets finance close an open month and shows the API's refusal plainly", async () => {
    session.user = { id: "fin-1", username: "fin", roles: ["finance"], team_id: null };
    session.accessToken = "tok";
    let closed = false;
    fakeApi({
      "GET users": () => json(200, { items: [] }),
      "GET compensation/statements": () => json(200, { ...statement(closed ? "closed" : "open"), owner_id: "fin-1" }),
      "POST compensation/periods/": () => {
        closed = true;
        return json(200, { period: "2026-11", status: "closed", reps: 4, true_up_lines: 1 });
      },
    });
    const wrapper = mountView();
    await flushPromises();
    await wrapper.find("#commission-month").setValue("2026-11");
    await flushPromises();
    await wrapper.findAll("button").find((b) => b.text() === "Close 2026-11")!.trigger("click");
    await flushPromises();
    expect(wrapper.find('[data-testid="period-status"]').text()).toBe("closed");
    expect(wrapper.find('[role="status"]').text()).toBe("2026-11 is closed: 4 statements, 1 true-up lines.");
  });
});
