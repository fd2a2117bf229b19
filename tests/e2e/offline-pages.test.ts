import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type ServerProcess, startServer } from "./server-process.ts";

const timeout = 30_000;
let browser: Browser;
let server: ServerProcess;
beforeAll(async () => {
  [browser, server] = await Promise.all([
    chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }),
    startServer({ model: { chain: [" hi"] } }),
  ]);
}, timeout);
afterAll(async () => {
  await Promise.all([browser.close(), server.stop("SIGKILL")]);
}, timeout);

/** A page whose every request beyond the server's origin is refused and recorded. */
async function offlinePage(): Promise<{ page: Page; leaks: string[]; problems: string[] }> {
  const page = await browser.newPage();
  const origin = new URL(server.url).origin;
  const leaks: string[] = [];
  const problems: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith("data:")) return route.continue();
    leaks.push(url);
    return route.abort("internetdisconnected");
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return { page, leaks, problems };
}

test(
  "/docs renders the API reference offline, from this server alone",
  async () => {
    const { page, leaks, problems } = await offlinePage();
    const response = await page.goto(`${server.url}/docs`);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    // Scalar renders a tag's operations once its group is opened.
    for (const [tag, path] of [
      ["chat", "/v1/chat/completions"],
      ["messages", "/v1/messages"],
      ["responses", "/v1/responses"],
    ] as const) {
      await page.getByText(`Open Group - ${tag}`, { exact: true }).first().click();
      await page.getByText(path, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    expect(leaks).toEqual([]);
    expect(problems.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    await page.close();
  },
  timeout,
);

test(
  "the chat page loads nothing beyond this server either",
  async () => {
    const { page, leaks } = await offlinePage();
    const response = await page.goto(server.url);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.fill("#prompt", "hello");
    await page.click("#send");
    await page.waitForFunction(() =>
      (
        document.querySelector("#messages li.assistant:last-child .content")?.textContent ?? ""
      ).includes("hi"),
    );
    expect(leaks).toEqual([]);
    await page.close();
  },
  timeout,
);
