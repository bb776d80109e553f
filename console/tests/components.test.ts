import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api";
import ApiMessage from "../src/components/ApiMessage.vue";
import SignInForm from "../src/components/SignInForm.vue";
import { makeI18n } from "../src/i18n";

describe("ApiMessage", () => {
  it("says a 403 and a 404 in plain words, in the chosen language", () => {
    const en = mount(ApiMessage, { props: { error: new ApiError(403, "Forbidden", "") }, global: { plugins: [makeI18n("en")] } });
    expect(en.text()).toBe("You do not have access to this.");
    const zh = mount(ApiMessage, { props: { error: new ApiError(404, "Not Found", "") }, global: { plugins: [makeI18n("zh-CN")] } });
    expect(zh.text()).toBe("未找到，或您无权查看。");
  });
  it("names the fields of a 422", () => {
    const error = new ApiError(422, "Unprocessable", "", [{ field: "email", message: "Not a valid email address." }]);
    const wrapper = mount(ApiMessage, { props: { error }, global: { plugins: [makeI18n("en")] } });
    expect(wrapper.text()).toContain("email: Not a valid email address.");
    expect(wrapper.find('[role="alert"]').exists()).toBe(true);
  });
});

describe("SignInForm", () => {
  it("labels every control", () => {
    const wrapper = mount(SignInForm, { global: { plugins: [makeI18n("zh-CN")] } });
    for (const input of wrapper.findAll("input")) {
      const label = wrapper.find(`label[for="${input.attributes("id")}"]`);
      expect(label.exists()).toBe(true);
      expect(label.text().length).toBeGreaterThan(0);
    }
    expect(wrapper.text()).toContain("用户名");
  });
});
