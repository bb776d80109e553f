// The shell's JavaScript, gzipped: what index.html loads before any screen.
// Screens and charts are separate chunks loaded when opened. Fails over 300 KB.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const file of scripts) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  total += size;
  console.log(`shell ${file}: ${(size / 1024).toFixed(1)} KB gzipped`);
}
const limit = 300 * 1024;
console.log(`shell JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (limit ${limit / 1024} KB)`);
if (total > limit) {
  console.error("the console shell is over its 300 KB budget");
  process.exit(1);
}
