import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const screenshot = join(import.meta.dir, "artifacts", "chat-page.png");
const apiKey = "page-key-s3cret";
const reply = "#messages li.assistant:last-child .content";
// Each test drives a real browser against a real server; bun's default 5 s is too tight on a busy machine.
const timeout = 30_000;

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, timeout);
afterAll(async () => {
  await browser.close();
}, timeout);

/** Waits until the element's text contains `part` (or is empty, for ""). */
async function waitForText(page: Page, selector: string, part: string) {
  await page.waitForFunction(
    ([selector, part]) => {
      const text = document.querySelector(selector)?.textContent ?? "";
      return part === "" ? text === "" : text.includes(part);
    },
    [selector, part] as const,
  );
}

/** Waits until Send is usable again, i.e. the reply has finished or was stopped. */
async function waitUntilIdle(page: Page) {
  await page.waitForFunction(
    () => !(document.getElementById("send") as HTMLButtonElement).disabled,
  );
}

/** Slows the page's downloads to a real model's pace: the scripted ones finish in milliseconds. */
async function throttle(page: Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: -1,
  });
}

/** Records every text the last reply shows, so a test can tell streaming from one big update. */
async function recordReplyTexts(page: Page) {
  await page.evaluate((reply) => {
    const seen: string[] = [];
    Object.assign(window, { replyTexts: seen });
    new MutationObserver(() => {
      const text = document.querySelector(reply)?.textContent ?? "";
      if (text && text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document.getElementById("messages") as Node, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  }, reply);
  return () => page.evaluate(() => (window as unknown as { replyTexts: string[] }).replyTexts);
}

describe("chat page on the demo model", () => {
  let server: ServerProcess;
  let page: Page;
  beforeAll(async () => {
    server = await startServer();
    page = await browser.newPage({ viewport: { width: 900, height: 640 } });
    await page.goto(server.url);
    await throttle(page, 32_000);
  }, timeout);
  afterAll(async () => {
    await page.close();
    await server.stop("SIGKILL");
  }, timeout);

  test(
    "GET / is the HTML page, as text/html",
    async () => {
      const response = await rawRequest(server, "/");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.text).toContain("<title>glm-serve chat</title>");
    },
    timeout,
  );

  test(
    "it shows the model id from /v1/models",
    async () => {
      const { data } = await server.client.models.list();
      await waitForText(page, "#model", data[0]?.id ?? "missing");
    },
    timeout,
  );

  test(
    "Send streams the reply into the page, one delta at a time",
    async () => {
      const replyTexts = await recordReplyTexts(page);
      await page.getByLabel("Message").fill("Who are you?");
      await page.getByRole("button", { name: "Send" }).click();
      await waitForText(page, reply, "demo model");
      await waitUntilIdle(page);
      const texts = await replyTexts();
      expect(texts.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < texts.length; i++) {
        expect(texts[i]?.startsWith(texts[i - 1] ?? "")).toBe(true);
      }
      expect(await page.locator("#messages li.user").textContent()).toContain("Who are you?");
    },
    timeout,
  );

  test(
    "Enter sends the whole conversation with the system prompt and temperature",
    async () => {
      await page.locator("summary").click();
      await page.getByLabel("System prompt").fill("Be brief.");
      await page.getByLabel("Temperature (0–2)").fill("0.2");
      const request = page.waitForRequest("**/v1/chat/completions");
      await page.getByLabel("Message").fill("And again?");
      await page.getByLabel("Message").press("Enter");
      const body = (await request).postDataJSON();
      expect(body.stream).toBe(true);
      expect(body.temperature).toBe(0.2);
      expect(body.messages.map((message: { role: string }) => message.role)).toEqual([
        "system",
        "user",
        "assistant",
        "user",
      ]);
      expect(body.messages[0].content).toBe("Be brief.");
      expect(body.messages[2].content).toContain("demo model");
      await waitForText(page, reply, "demo model");
      await waitUntilIdle(page);
      expect(await page.locator("#messages li.assistant").count()).toBe(2);
    },
    timeout,
  );

  test(
    "Shift+Enter adds a new line instead of sending",
    async () => {
      await page.getByLabel("Message").fill("line one");
      await page.getByLabel("Message").press("Shift+Enter");
      expect(await page.getByLabel("Message").inputValue()).toBe("line one\n");
      expect(await page.locator("#messages li.user").count()).toBe(2);
      await page.getByLabel("Message").fill("");
    },
    timeout,
  );

  test(
    "a screenshot of the conversation goes to tests/e2e/artifacts (docs/ keeps a chosen one)",
    async () => {
      mkdirSync(join(import.meta.dir, "artifacts"), { recursive: true });
      await page.screenshot({ path: screenshot });
      expect(statSync(screenshot).size).toBeGreaterThan(1000);
    },
    timeout,
  );
});

describe("chat page with an API key, on a long reply", () => {
  let server: ServerProcess;
  let page: Page;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      args: ["--api-key", apiKey],
    });
    page = await browser.newPage();
    await page.goto(server.url);
    await throttle(page, 4_000);
  }, timeout);
  afterAll(async () => {
    await page.close();
    await server.stop("SIGKILL");
  }, timeout);

  test(
    "the page loads without a key and shows the API's error until one is given",
    async () => {
      await waitForText(page, "#error", "invalid or missing API key");
      await page.locator("summary").click();
      await page.getByLabel("API key (optional)").fill(apiKey);
      await page.getByLabel("API key (optional)").press("Tab");
      await waitForText(page, "#error", "");
      expect(await page.locator("#model").textContent()).not.toBe("unknown");
      expect(await page.evaluate(() => localStorage.getItem("glm-serve.apiKey"))).toBe(apiKey);
    },
    timeout,
  );

  test(
    "Stop aborts the stream, and Send works again after it",
    async () => {
      for (const message of ["Ping?", "Once more?"]) {
        await page.getByLabel("Message").fill(message);
        await page.getByRole("button", { name: "Send" }).click();
        await waitForText(page, reply, "ping pong ping");
        await page.getByRole("button", { name: "Stop" }).click();
        await waitUntilIdle(page);
        expect(await page.getByRole("button", { name: "Stop" }).isDisabled()).toBe(true);
        const stopped = await page.locator(reply).textContent();
        await Bun.sleep(300);
        expect(await page.locator(reply).textContent()).toBe(stopped);
      }
      expect(await page.locator("#messages li.assistant").count()).toBe(2);
      expect(await page.locator("#error").textContent()).toBe("");
    },
    timeout,
  );
});
