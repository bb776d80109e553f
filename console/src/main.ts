import { createApp } from "vue";
import App from "./App.vue";
import { makeI18n, savedLocale } from "./i18n";
import { makeRouter } from "./router";
import "./style.css";

document.documentElement.lang = savedLocale();
createApp(App).use(makeI18n()).use(makeRouter()).mount("#app");
