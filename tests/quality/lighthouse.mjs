// Lighthouse (mobile) over several pages in one Node process and one Chromium.
//
//   node lighthouse.mjs PAGES.json > RESULTS.json
//
// PAGES.json: [{"name": "site", "url": "http://…", "ignoreStatusCode": false}, …]
// RESULTS.json: [{"name", "url", "scores": {category: 0–100}, "failed": [audit…], "error"}, …]
// Chromium comes from CHROME_PATH (Debian's /usr/bin/chromium); nothing is downloaded. The
// full-page screenshot (for the HTML report only) is left out: it costs a second a page.
import { readFileSync } from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const CHROME_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const CATEGORIES = ["performance", "accessibility", "best-practices"];

const pages = JSON.parse(readFileSync(process.argv[2], "utf8"));
const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH, chromeFlags: CHROME_FLAGS });
const results = [];
try {
  for (const page of pages) {
    const started = Date.now();
    const flags = {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: CATEGORIES,
      formFactor: "mobile",
      // The pages are audited as their main readers see them: in Chinese.
      extraHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
      ignoreStatusCode: Boolean(page.ignoreStatusCode),
      disableFullPageScreenshot: true,
    };
    try {
      const { lhr } = await lighthouse(page.url, flags);
      const scores = {};
      for (const id of CATEGORIES) {
        const score = lhr.categories[id]?.score;
        scores[id] = score === null || score === undefined ? null : Math.round(score * 100);
      }
      const failed = [];
      for (const id of CATEGORIES) {
        for (const ref of lhr.categories[id]?.auditRefs ?? []) {
          const audit = lhr.audits[ref.id];
          if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
            failed.push({ category: id, id: ref.id, title: audit.title, score: audit.score, value: audit.displayValue ?? "" });
          }
        }
      }
      results.push({
        name: page.name,
        url: page.url,
        scores,
        failed,
        warnings: lhr.runWarnings,
        error: lhr.runtimeError?.code ?? null,
        seconds: (Date.now() - started) / 1000,
      });
    } catch (error) {
      results.push({ name: page.name, url: page.url, scores: {}, failed: [], warnings: [], error: String(error), seconds: (Date.now() - started) / 1000 });
    }
  }
} finally {
  await chrome.kill();
}
process.stdout.write(JSON.stringify(results, null, 1));
