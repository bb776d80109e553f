/// <reference types="vitest" />
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  plugins: [vue()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1200 },
  // `npm run dev` talks to a gateway on :8000 (make run).
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  // A test that opens a screen compiles it on first import: on a shared
  // two-core machine that alone can pass vitest's default 5 s.
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"], testTimeout: 30_000 },
});
