import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defineComponent } from "vue";
import { createMemoryHistory, createRouter } from "vue-router";
import { makeI18n } from "../src/i18n";
import { session, useFetch } from "../src/session";
import DeskView from "../src/views/DeskView.vue";
import LeadImportView from "../src/views/LeadImportView.vue";
import OrdersView from "../src/views/OrdersView.vue";
import TicketView from "../src/views/TicketView.vue";
import VisitsView from "../src/views/VisitsView.vue";

type Call = { method: string; url: string; body: unknown; headers: Record<string, string> };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A fake API: each handler answers a "METHOD path" prefix; every call is recorded. */
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

function mountView(component: any, props: Record<string, unknown> = {}, locale = "en") {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/:rest(.*)*", component: defineComponent({ template: "<div/>" }) }] });
  return mount(component, { props, global: { plugins: [makeI18n(locale), router] } });
}

function rep(roles = ["rep"]): void {
  session.user = { id: "u1", username: "rep1", roles, team_id: null };
  session.accessToken = "tok";
}

afterEach(() => {
  vi.useRealTimers();
  session.user = null;
  session.accessToken = null;
});

describe("lead import", () => {
  it("uploads the CSV, follows the job to the end and pages its error report", async () => {
    vi.useFakeTimers();
    rep();
    const errors = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, field: "email", reason: "is not an email address", severity: "error" }));
    const job = { id: "j1", status: "pending", filename: "leads.csv", total: 30, processed: 0, imported: 0, duplicates: 0, failed: 0, errors: [] as unknown[] };
    const answers = [
      { ...job, status: "running", processed: 12, imported: 10, failed: 2, errors: errors.slice(0, 2) },
      { ...job, status: "completed", processed: 30, imported: 5, failed: 25, errors },
    ];
    const calls = fakeApi({
      "POST leads/imports": () => json(202, job),
      "GET leads/imports/j1": () => json(200, answers.shift() ?? answers[answers.length - 1]),
    });
    const wrapper = mountView(LeadImportView);
    const file = new File(["name,email\nA,bad\n"], "leads.csv", { type: "text/csv" });
    const input = wrapper.find<HTMLInputElement>("#import-file");
    Object.defineProperty(input.element, "files", { value: [file] });
    await input.trigger("change");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    const upload = calls.find((c) => c.method === "POST")!;
    expect(upload.body).toBeInstanceOf(FormData);
    expect((upload.body as FormData).get("file")).toBeInstanceOf(File);
    expect(upload.headers["Content-Type"]).toBeUndefined(); // the browser writes the multipart boundary
    expect(wrapper.find("progress").attributes("value")).toBe("0");

    await vi.advanceTimersByTimeAsync(600);
    await flushPromises();
    expect(wrapper.find("progress").attributes("value")).toBe("40");
    expect(wrapper.text()).toContain("12 of 30 rows");

    await vi.advanceTimersByTimeAsync(1000);
    await flushPromises();
    expect(wrapper.find('[data-testid="import-status"]').text()).toBe("completed");
    expect(wrapper.find("progress").attributes("value")).toBe("100");
    expect(wrapper.findAll('[data-testid="import-report"] tbody tr')).toHaveLength(20);
    expect(wrapper.text()).toContain("Page 1 of 2");
    await wrapper.findAll("button").find((b) => b.text() === "Next")!.trigger("click");
    expect(wrapper.findAll('[data-testid="import-report"] tbody tr')).toHaveLength(5);
    expect(wrapper.find('[data-testid="import-report"] tbody tr').text()).toContain("22");

    const polls = calls.filter((c) => c.method === "GET").length;
    await vi.advanceTimersByTimeAsync(10000);
    expect(calls.filter((c) => c.method === "GET").length).toBe(polls); // finished: no more polling
  });

  it("shows a refused file's field and reason", async () => {
    rep();
    fakeApi({ "POST leads/imports": () => json(422, { title: "Unprocessable", errors: [{ field: "file", message: "has no header row" }] }) });
    const wrapper = mountView(LeadImportView);
    const input = wrapper.find<HTMLInputElement>("#import-file");
    Object.defineProperty(input.element, "files", { value: [new File([""], "empty.csv")] });
    await input.trigger("change");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toContain("file: has no header row");
  });
});

describe("field visits", () => {
  it("finds customers near the phone's position and checks in there, with a camera photo input", async () => {
    rep();
    const where = { latitude: 31.2304, longitude: 121.4737, accuracy: 8 };
    Object.defineProperty(navigator, "geolocation", {
      configurable: true,
      value: { getCurrentPosition: (ok: PositionCallback) => ok({ coords: where } as GeolocationPosition) },
    });
    const calls = fakeApi({
      "GET visits": () => json(200, { items: [], next_cursor: null }),
      "GET customers/near": () => json(200, { items: [{ id: "c1", name: "外滩咖啡", distance_m: 320 }, { id: "c2", name: "陆家嘴书店", distance_m: 2450 }] }),
      "POST customers/c1/visits": () => json(201, { id: "v1", customer_id: "c1", status: "checked_in", check_in_at: "2026-12-03T02:00:00Z", distance_m: 12, far_from_address: false, has_photo: false }),
    });
    const wrapper = mountView(VisitsView);
    await flushPromises();
    await wrapper.findAll("button").find((b) => b.text() === "Find where I am")!.trigger("click");
    await flushPromises();
    const near = calls.find((c) => c.url.includes("customers/near"))!;
    expect(near.url).toContain("latitude=31.2304");
    expect(near.url).toContain("longitude=121.4737");
    const rows = wrapper.findAll('[data-testid="near-list"] li');
    expect(rows.map((r) => r.attributes("data-customer"))).toEqual(["外滩咖啡", "陆家嘴书店"]);
    expect(rows[1].text()).toContain("2.5 km");

    await wrapper.find('button[aria-label="Check in: 外滩咖啡"]').trigger("click");
    await flushPromises();
    const checkIn = calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(String(checkIn.body))).toEqual({ latitude: 31.2304, longitude: 121.4737, accuracy_m: 8, purpose: null });
    expect(wrapper.find('[role="status"]').text()).toBe("Checked in at 外滩咖啡.");
    const photo = wrapper.find("#visit-photo");
    expect(photo.attributes("accept")).toBe("image/*");
    expect(photo.attributes("capture")).toBe("environment");
    expect(wrapper.find('label[for="visit-photo"]').exists()).toBe(true);
  });

  it("says in words why the location is unknown", async () => {
    rep();
    Object.defineProperty(navigator, "geolocation", {
      configurable: true,
      value: { getCurrentPosition: (_: PositionCallback, fail: PositionErrorCallback) => fail({ code: 1 } as GeolocationPositionError) },
    });
    fakeApi({ "GET visits": () => json(200, { items: [], next_cursor: null }) });
    const wrapper = mountView(VisitsView, {}, "zh-CN");
    await flushPromises();
    await wrapper.findAll("button").find((b) => b.text() === "获取我的位置")!.trigger("click");
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toBe("无法获取您的位置：定位权限被拒绝");
  });
});

describe("orders", () => {
  it("records a receipt once, with an Idempotency-Key, and shows it in the order's money", async () => {
    rep();
    const order = { id: "o1234567-0", currency: "CNY", amount: "1000.00", paid_amount: "0.00", outstanding_amount: "1000.00", status: "open", fulfilment: "active", created_at: "2026-12-01T00:00:00Z" };
    let paid = false;
    const calls = fakeApi({
      "GET orders?": () => json(200, { items: [order], next_cursor: null }),
      "GET orders/o1234567-0/plan": () => json(200, { installments: [], history: [] }),
      "GET orders/o1234567-0/payments": () => json(200, { items: paid ? [{ id: "p1", kind: "receipt", amount: "300.00", currency: "CNY", method: "alipay", received_on: "2026-12-03" }] : [] }),
      "GET orders/o1234567-0": () => json(200, paid ? { ...order, paid_amount: "300.00", outstanding_amount: "700.00" } : order),
      "POST orders/o1234567-0/payments": () => {
        paid = true;
        return json(201, { id: "p1", amount: "300.00", currency: "CNY" });
      },
    });
    const wrapper = mountView(OrdersView);
    await flushPromises();
    await wrapper.find("[data-order] button").trigger("click");
    await flushPromises();
    await wrapper.find("#receipt-amount").setValue("300.00");
    await wrapper.find("#receipt-method").setValue("alipay");
    await wrapper.find('form[aria-labelledby="receipt-form"]').trigger("submit");
    await flushPromises();
    const post = calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(String(post.body))).toMatchObject({ amount: "300.00", currency: "CNY", method: "alipay" });
    expect(post.headers["Idempotency-Key"]).toMatch(/^[0-9a-f]{32}$/);
    expect(wrapper.find('[role="status"]').text()).toContain("¥300.00");
    expect(wrapper.find('[data-testid="order-outstanding"]').text()).toBe("¥700.00");
    expect(wrapper.find('[data-testid="receipts"]').text()).toContain("Alipay");
  });
});

describe("service desk", () => {
  it("shows a 403 on the queue as a plain message", async () => {
    rep(["service_agent"]);
    fakeApi({ "GET tickets": () => json(403, { title: "Forbidden" }) });
    const wrapper = mountView(DeskView);
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toBe("You do not have access to this.");
  });

  it("counts the SLA clock down in the queue", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-03T09:00:00Z"));
    rep(["service_agent"]);
    const clocks = [{ name: "first_response", key: "first_response", due_at: "2026-12-03T09:10:00Z", remaining_minutes: 10, state: "running" }];
    fakeApi({
      "GET tickets/groups": () => json(200, { items: [{ id: "g1", name: "一线支持" }] }),
      "GET tickets": () => json(200, { items: [{ id: "t1", subject: "无法登录", priority: "high", status: "open", opened_at: "2026-12-03T08:50:00Z", sla: { clocks } }], next_cursor: null }),
    });
    const wrapper = mountView(DeskView);
    await flushPromises();
    expect(wrapper.find('[data-testid="sla-clock"]').text()).toBe("First response: 10m 00s");
    await vi.advanceTimersByTimeAsync(2000);
    expect(wrapper.find('[data-testid="sla-clock"]').text()).toBe("First response: 9m 58s");
    expect(wrapper.find("#desk-group").text()).toContain("一线支持");
    wrapper.unmount(); // stops the second hand
  }, 20000);

  it("replies publicly with a knowledge-base article quoted in", async () => {
    rep(["service_agent"]);
    let thread: unknown[] = [{ id: "m1", visibility: "public", author_kind: "customer", body: "登录报错", created_at: "2026-12-03T08:50:00Z" }];
    const calls = fakeApi({
      "GET tickets/t1/messages": () => json(200, { items: thread }),
      "GET tickets/t1": () => json(200, { id: "t1", subject: "无法登录", status: "open", priority: "high", customer_id: "c1", sla: { clocks: [] } }),
      "GET kb/articles": () => json(200, { items: [{ id: "a1", title: "重置密码", body: "在登录页点击“忘记密码”。" }] }),
      "POST tickets/t1/messages": (call) => {
        thread = [...thread, { id: "m2", ...JSON.parse(String(call.body)), author_kind: "agent", created_at: "2026-12-03T09:00:00Z" }];
        return json(201, {});
      },
    });
    const wrapper = mountView(TicketView, { id: "t1" });
    await flushPromises();
    await wrapper.find("#kb-q").setValue("密码");
    await wrapper.find('form[role="search"]').trigger("submit");
    await flushPromises();
    expect(calls.some((c) => c.url.includes("kb/articles?q=%E5%AF%86%E7%A0%81"))).toBe(true);
    await wrapper.find('button[aria-label="Insert into reply: 重置密码"]').trigger("click");
    expect((wrapper.find("#ticket-body").element as HTMLTextAreaElement).value).toContain("忘记密码");
    await wrapper.find("#ticket-body").trigger("input");
    await wrapper.find("textarea").element.form!.dispatchEvent(new Event("submit"));
    await flushPromises();
    const post = calls.find((c) => c.method === "POST")!;
    expect(JSON.parse(String(post.body)).visibility).toBe("public");
    expect(wrapper.findAll(".thread li")).toHaveLength(2);
    expect(wrapper.find('[role="status"]').text()).toBe("Sent.");
    wrapper.unmount();
  });
});
