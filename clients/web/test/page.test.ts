import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The page as the AppHost serves it (resource `web`), in Debian's Chromium. The xunit test WebPageTests starts the
// stack and sets these.
const webUrl = process.env.PHYGHT_WEB_URL;
const apiUrl = process.env.PHYGHT_API_URL ?? "";
const adminEmail = process.env.PHYGHT_ADMIN_EMAIL ?? "";
const adminPassword = process.env.PHYGHT_ADMIN_PASSWORD ?? "";
const screenshots = process.env.PHYGHT_SCREENSHOTS;

let browser: Browser;
const contexts: BrowserContext[] = [];

async function open(signIn: boolean): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(webUrl!);
  if (signIn) {
    await page.getByTestId("email").fill(adminEmail);
    await page.getByTestId("password").fill(adminPassword);
    await page.getByTestId("sign-in").click();
    await page.getByTestId("who").waitFor();
  }
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }
}

async function serverVideo(id: string): Promise<{ title: string; tags: string[]; status: string }> {
  const token = await (await fetch(`${apiUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  })).json() as { access_token: string };
  const response = await fetch(`${apiUrl}/videos-update/${id}`, { headers: { authorization: `Bearer ${token.access_token}` } });
  return response.json() as Promise<{ title: string; tags: string[]; status: string }>;
}

function tagsShown(tags: string[]): string {
  return tags.length ? tags.map((t) => `#${t}`).join(" ") : "no tags";
}

async function createVideo(page: Page, title: string): Promise<string> {
  await page.goto(webUrl!);
  await page.getByTestId("new-title").fill(title);
  await page.getByTestId("create").click();
  await page.waitForURL(/#\/videos\/[0-9a-f-]{36}$/);
  await expectText(page, "title", title);
  return /videos\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
}

async function expectText(page: Page, testId: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === expected,
    [testId, text] as const,
  ).catch(async (error: unknown) => {
    const shown = await page.getByTestId(testId).textContent().catch(() => "(missing)");
    throw new Error(`[data-testid=${testId}] shows ${JSON.stringify(shown)}, expected ${JSON.stringify(text)}`, { cause: error });
  });
}

describe.skipIf(!webUrl)("the web page in Chromium", () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });

  afterAll(async () => {
    for (const context of contexts) {
      await context.close();
    }
    await browser?.close();
  });

  it("edits offline in one browser and online in another, and every browser shows the server's state, a third live", async () => {
    const a = await open(true);
    const id = await createVideo(a.page, "Main event");
    const b = await open(true);
    await b.page.goto(`${webUrl}/#/videos/${id}`);
    await expectText(b.page, "title", "Main event");
    const c = await open(true);
    await c.page.goto(`${webUrl}/#/videos/${id}`);
    await expectText(c.page, "title", "Main event");

    await b.context.setOffline(true);
    await b.page.getByTestId("edit-title").fill("Title written offline");
    await b.page.getByTestId("edit-tags").fill("bjj, judo");
    await b.page.getByTestId("save").click();
    await expectText(b.page, "title", "Title written offline");
    await b.page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="sync"]')?.dataset.pending !== "0");
    await shot(b.page, "offline-edit");

    await a.page.getByTestId("edit-title").fill("Title written online");
    await a.page.getByTestId("edit-tags").fill("mma");
    await a.page.getByTestId("save").click();
    // The third browser follows without a reload.
    await expectText(c.page, "title", "Title written online");
    await expectText(c.page, "tags", "#mma");

    await b.context.setOffline(false);
    await b.page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="sync"]')?.dataset.pending === "0", undefined, { timeout: 60_000 });
    const server = await serverVideo(id);
    // Both tag sets were written without seeing the other: every tag survives (add wins). The title is the later stamp's.
    expect(server.tags).toEqual(["bjj", "judo", "mma"]);
    for (const { page } of [a, b, c]) {
      await expectText(page, "title", server.title);
      await expectText(page, "tags", tagsShown(server.tags));
    }
    await shot(c.page, "converged");
  });

  it.each([
    { how: "multipart", source: "testsrc=duration=2:size=160x120:rate=15", codec: ["-pix_fmt", "yuv420p"], name: "clip.mp4" },
    // Over 50 MB: the page sends it straight to blob storage in blocks (a direct session), through Azurite's CORS.
    { how: "direct", source: "testsrc=duration=10:size=320x240:rate=26", codec: ["-c:v", "rawvideo", "-pix_fmt", "bgr24"], name: "raw.avi" },
  ])("uploads a video ($how) with a progress bar that reaches 100 percent, and the page turns ready with a player", async ({ how, source, codec, name }) => {
    const { page } = await open(true);
    await createVideo(page, `Uploaded from the browser (${how})`);
    const file = join(mkdtempSync(join(tmpdir(), "phyght-web-")), name);
    execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", source, ...codec, "-y", file]);
    await page.getByTestId("upload-file").setInputFiles(file);
    await page.getByTestId("upload-start").click();
    await expectText(page, "upload-state", `uploaded (${how})`);
    expect(await page.getByTestId("upload-progress").evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "ready", undefined, { timeout: 90_000 });
    await page.getByTestId("player").waitFor();
    await shot(page, `uploaded-${how}`);
  });

  it("shows anonymous visitors the catalogue without editing, and staff the editing controls", async () => {
    const staff = await open(true);
    const draft = `Catalogue draft ${Date.now()}`;
    await createVideo(staff.page, draft);
    await staff.page.getByTestId("edit").waitFor();

    const visitor = await open(false);
    await visitor.page.goto(`${webUrl}/#/?search=${encodeURIComponent("Uploaded from the browser (multipart)")}`);
    await visitor.page.getByTestId("video-link").first().waitFor();
    const titles = await visitor.page.getByTestId("video-link").allTextContents();
    expect(titles.every((t) => t === "Uploaded from the browser (multipart)")).toBe(true); // ready, so public; search matched
    expect(await visitor.page.getByTestId("new-title").count()).toBe(0);
    await visitor.page.getByTestId("video-link").first().click();
    await expectText(visitor.page, "status", "ready");
    expect(await visitor.page.getByTestId("edit").count()).toBe(0);

    // A video still uploading is staff's only.
    await staff.page.goto(`${webUrl}/#/?search=${encodeURIComponent(draft)}`);
    await expectText(staff.page, "page", "Page 1 of 1");
    expect(await staff.page.getByTestId("video-link").allTextContents()).toEqual([draft]);
    await visitor.page.goto(`${webUrl}/#/?search=${encodeURIComponent(draft)}`);
    await expectText(visitor.page, "page", "Page 1 of 1");
    expect(await visitor.page.getByTestId("video-link").count()).toBe(0);
    await shot(visitor.page, "visitor");
  });
});
