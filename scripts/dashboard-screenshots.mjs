// Opens the Aspire dashboard in headless Chromium (the system's, no download) and saves screenshots of the resources
// page and of one trace's waterfall. Prints what the pages showed as JSON, for the caller to check.
// Usage: node scripts/dashboard-screenshots.mjs <dashboard login url> <output dir> <trace id> <text the trace must show>
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [loginUrl, outDir, traceId, traceText] = process.argv.slice(2);
const resources = ['postgres', 'redis', 'storage', 'api', 'worker'];
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.setDefaultTimeout(60_000);
  await page.goto(loginUrl); // the token in the URL signs the browser in, then lands on the resources page
  await page.waitForFunction(
    names => names.every(n => document.body.innerText.includes(n))
      && (document.body.innerText.match(/Running/g) ?? []).length >= names.length
      && !/Unhealthy|Starting|Waiting/.test(document.body.innerText),
    resources);
  const resourcesText = await page.innerText('body');
  await page.screenshot({ path: join(outDir, 'resources.png'), fullPage: true });

  await page.goto(new URL(`/traces/detail/${traceId}`, loginUrl).toString());
  await page.waitForFunction(text => document.body.innerText.includes(text), traceText);
  const traceBody = await page.innerText('body');
  await page.screenshot({ path: join(outDir, 'upload-trace.png'), fullPage: true });

  console.log(JSON.stringify({ resources: resourcesText, trace: traceBody }));
} finally {
  await browser.close();
}
