import { describe, expect, test } from "bun:test";
import { type AppConfig, createApp } from "../../src/api/app.ts";
import { corsPolicy } from "../../src/api/cors.ts";
import { ServerState } from "../../src/api/server-state.ts";
import { RequestLog } from "../../src/request-log.ts";

function app(config: Partial<AppConfig>) {
  const full = { apiKeys: [], corsOrigin: [], maxBody: 1 << 20, timeout: 30, ...config };
  return createApp(new ServerState("m"), full, new RequestLog(() => {}));
}

function preflight(origin: string) {
  return new Request("http://localhost/v1/chat/completions", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST" },
  });
}

describe("CORS defaults and lists", () => {
  test("without an API key, by default no other origin may read replies", async () => {
    const response = await app({}).handle(preflight("https://evil.example"));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const health = await app({}).handle(
      new Request("http://localhost/health", { headers: { origin: "https://evil.example" } }),
    );
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("with an API key, by default any origin may call, since it must send the key", async () => {
    const response = await app({ apiKeys: ["k"] }).handle(preflight("https://app.example"));
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("a listed origin gets its allow header and an unlisted one none", async () => {
    const listed = app({ corsOrigin: ["https://a.example", "https://b.example/"] });
    const b = await listed.handle(preflight("https://b.example"));
    expect(b.headers.get("access-control-allow-origin")).toBe("https://b.example");
    expect(b.headers.get("vary")).toBe("Origin");
    expect(b.headers.get("access-control-allow-methods")).toContain("POST");
    const c = await listed.handle(preflight("https://c.example"));
    expect(c.headers.get("access-control-allow-origin")).toBeNull();
    expect(c.headers.get("access-control-allow-methods")).toBeNull();
  });

  test("the start-up line says who may call, and * without a key warns", () => {
    expect(corsPolicy([], false).describe()).toMatch(/^no other web origin may call it/);
    expect(corsPolicy([], false).warning()).toBeUndefined();
    expect(corsPolicy(["https://a.example"], false).describe()).toBe(
      "web origins allowed: https://a.example",
    );
    expect(corsPolicy(["*"], false).warning()).toMatch(/any web page the user opens/);
    expect(corsPolicy(["*"], true).warning()).toBeUndefined();
    expect(corsPolicy([], true).describe()).toBe("any web origin may call it");
  });
});
