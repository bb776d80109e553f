import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError } from "../src/api";
import { refresh, renewLead, session, signIn, signOut, useFetch } from "../src/session";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const me = { id: "u1", username: "rep1", roles: ["rep"], team_id: null };

describe("session", () => {
  let calls: { url: string; init?: RequestInit }[];
  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    localStorage.clear();
  });
  afterEach(async () => {
    useFetch(async () => json(204, {}));
    await signOut();
    vi.useRealTimers();
  });

  it("keeps tokens in memory, never in localStorage, and renews before expiry", async () => {
    let n = 0;
    useFetch(async (url, init) => {
      calls.push({ url: String(url), init });
      if (String(url).endsWith("/auth/token")) return json(200, { access_token: "a0", expires_in: 900, refresh_token: "r0" });
      if (String(url).endsWith("/auth/me")) return json(200, me);
      if (String(url).endsWith("/auth/refresh")) {
        n += 1;
        return json(200, { access_token: `a${n}`, expires_in: 900, refresh_token: `r${n}` });
      }
      return json(404, {});
    });
    await signIn("rep1", "pw");
    expect(session.accessToken).toBe("a0");
    expect(JSON.stringify(localStorage)).not.toContain("a0");
    expect(JSON.stringify(localStorage)).not.toContain("r0");
    await vi.advanceTimersByTimeAsync((900 - renewLead(900)) * 1000 + 10);
    const refreshCall = calls.find((c) => c.url.endsWith("/auth/refresh"));
    expect(JSON.parse(String(refreshCall!.init!.body))).toEqual({ refresh_token: "r0" });
    expect(session.accessToken).toBe("a1");
    expect(session.refreshToken).toBe("r1");
  });

  it("shares one refresh between concurrent callers (a refresh token works once)", async () => {
    let refreshes = 0;
    useFetch(async (url) => {
      if (String(url).endsWith("/auth/token")) return json(200, { access_token: "a0", expires_in: 900, refresh_token: "r0" });
      if (String(url).endsWith("/auth/me")) return json(200, me);
      refreshes += 1;
      return json(200, { access_token: "a1", expires_in: 900, refresh_token: "r1" });
    });
    await signIn("rep1", "pw");
    await Promise.all([refresh(), refresh(), refresh()]);
    expect(refreshes).toBe(1);
  });

  it("retries a call once after a 401 with a renewed token", async () => {
    useFetch(async (url, init) => {
      const auth = new Headers(init?.headers).get("Authorization");
      if (String(url).endsWith("/auth/token")) return json(200, { access_token: "old", expires_in: 900, refresh_token: "r0" });
      if (String(url).endsWith("/auth/me")) return json(200, me);
      if (String(url).endsWith("/auth/refresh")) return json(200, { access_token: "new", expires_in: 900, refresh_token: "r1" });
      return auth === "Bearer new" ? json(200, { items: [], next_cursor: null }) : json(401, { title: "Unauthorized" });
    });
    await signIn("rep1", "pw");
    await expect(api("GET", "leads")).resolves.toEqual({ items: [], next_cursor: null });
  });

  it("marks the session expired (not signed out) when the refresh is refused", async () => {
    useFetch(async (url) => {
      if (String(url).endsWith("/auth/token")) return json(200, { access_token: "a0", expires_in: 900, refresh_token: "r0" });
      if (String(url).endsWith("/auth/me")) return json(200, me);
      return json(401, { title: "Unauthorized", detail: "refresh token is not valid" });
    });
    await signIn("rep1", "pw");
    expect(await refresh()).toBe(false);
    expect(session.expired).toBe(true);
    expect(session.user?.username).toBe("rep1");
    expect(session.accessToken).toBeNull();
  });

  it("turns a problem into an ApiError naming the field", async () => {
    useFetch(async () => json(422, { title: "Unprocessable", detail: "name: required", errors: [{ field: "name", message: "required" }] }));
    const error = (await api("POST", "leads", { body: {} }).catch((e) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.forField("name")).toBe("required");
  });
});
