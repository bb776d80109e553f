import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { defineComponent } from "vue";
import { createMemoryHistory, createRouter } from "vue-router";
import App from "../src/App.vue";
import { makeI18n } from "../src/i18n";
import { session, signOut, useFetch } from "../src/session";

const HalfForm = defineComponent({
  template: `<form><label for="note">Note</label><input id="note" name="note" /></form>`,
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

async function mountApp(roles: string[]) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/today", component: HalfForm, meta: { roles: ["rep"], nav: "nav.today" } },
      { path: "/:rest(.*)*", component: HalfForm },
    ],
  });
  session.user = { id: "u1", username: "rep1", roles, team_id: null };
  session.accessToken = "a0";
  session.refreshToken = "r0";
  await router.push("/today");
  const wrapper = mount(App, { global: { plugins: [makeI18n("en"), router] }, attachTo: document.body });
  await flushPromises();
  return wrapper;
}

describe("the shell", () => {
  afterEach(async () => {
    useFetch(async () => json(204, {}));
    await signOut();
    document.body.innerHTML = "";
  });

  it("asks to sign in over the screen, and a half-filled form survives it", async () => {
    const wrapper = await mountApp(["rep"]);
    await wrapper.find("#note").setValue("call back Tuesday");
    session.expired = true; // a refused refresh
    await flushPromises();
    expect(wrapper.find('[role="dialog"]').exists()).toBe(true);
    expect((wrapper.find("#note").element as HTMLInputElement).value).toBe("call back Tuesday");

    useFetch(async (url) =>
      String(url).endsWith("/auth/token")
        ? json(200, { access_token: "a1", expires_in: 900, refresh_token: "r1" })
        : json(200, { id: "u1", username: "rep1", roles: ["rep"], team_id: null }),
    );
    const dialog = wrapper.find('[role="dialog"]');
    await dialog.find('input[name="username"]').setValue("rep1");
    await dialog.find('input[name="password"]').setValue("pw");
    await dialog.find("form").trigger("submit");
    await flushPromises();
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(session.accessToken).toBe("a1");
    expect((wrapper.find("#note").element as HTMLInputElement).value).toBe("call back Tuesday");
  });

  it("offers only the screens the role may use", async () => {
    const wrapper = await mountApp(["service_agent"]);
    const links = wrapper.findAll("header nav a").map((a) => a.text());
    expect(links).not.toContain("Leads");
    expect(links).not.toContain("Dashboard");
  });

  it("offers a manager the dashboard and a rep not", async () => {
    const manager = await mountApp(["manager"]);
    expect(manager.findAll("header nav a").map((a) => a.text())).toContain("Dashboard");
    manager.unmount();
    const rep = await mountApp(["rep"]);
    const links = rep.findAll("header nav a").map((a) => a.text());
    expect(links).toContain("Leads");
    expect(links).not.toContain("Dashboard");
  });
});

describe("a deep link before sign-in", () => {
  it("opens the screen after sign-in, or says the role cannot use it", async () => {
    const { makeRouter } = await import("../src/router");
    await signOut();
    const router = makeRouter();
    await router.push("/dashboard");
    expect(router.currentRoute.value.path).toBe("/dashboard"); // not sent away before sign-in
    session.user = { id: "u1", username: "rep1", roles: ["rep"], team_id: null };
    await router.push("/leads");
    expect(router.currentRoute.value.path).toBe("/leads");
    await router.push("/dashboard");
    expect(router.currentRoute.value.name).toBe("forbidden");
  });
});
