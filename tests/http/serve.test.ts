import { afterAll, describe, expect, test } from "bun:test";
import type { Refusal } from "../../src/http/refusal.ts";
import { type HttpListener, serveHttp } from "../../src/http/serve.ts";

/** Requests the test app saw aborted, by path. */
const aborted = new Set<string>();
const encoder = new TextEncoder();

/** A small app: echoes what it got, streams events, waits for an abort, or sends 16 MiB. */
async function app(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/stream") {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await Bun.sleep(100);
        if (sent === 3) return controller.close();
        controller.enqueue(encoder.encode(`data: ${sent++}\n\n`));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }
  if (url.pathname === "/wait") {
    await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
    aborted.add(url.pathname);
    return new Response("late");
  }
  if (url.pathname === "/big") return new Response(new Uint8Array(16 * 2 ** 20).fill(7));
  if (url.pathname === "/flood") {
    // 64 KiB events for as long as anyone reads them.
    const event = encoder.encode(`data: ${"x".repeat(64 * 1024)}\n\n`);
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(event),
      cancel: () => {
        aborted.add("/flood");
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }
  if (url.pathname === "/slow") {
    await Bun.sleep(200);
    return Response.json({ slow: true });
  }
  if (url.pathname === "/close") return new Response("bye", { headers: { connection: "close" } });
  const body = await request.text();
  return Response.json({ method: request.method, path: url.pathname, host: url.host, body });
}

const STATUS: Record<Refusal["kind"], number> = {
  bad_request: 400,
  head_too_large: 431,
  version_not_supported: 505,
  body_too_large: 413,
  timeout: 408,
  over_capacity: 503,
  internal: 500,
};

const servers: HttpListener[] = [];
function start(
  overrides: { maxRequests?: number; receiveMs?: number; keepAliveMs?: number } = {},
): number {
  const server = serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    head: { maxBytes: 8 * 1024, maxHeaders: 64 },
    maxBody: 64 * 1024,
    receiveMs: overrides.receiveMs ?? 2000,
    keepAliveMs: overrides.keepAliveMs ?? 5000,
    maxRequests: overrides.maxRequests ?? 100,
    exempt: (path) => path === "/health",
    handlers: {
      fetch: app,
      refuse: (refusal) =>
        Response.json({ refused: refusal.kind }, { status: STATUS[refusal.kind] }),
    },
  });
  servers.push(server);
  return server.port;
}
afterAll(async () => {
  for (const server of servers) await server.stop(0);
});

/** A raw connection: what it sent back so far, and whether it closed. */
async function connect(port: number) {
  const state = { text: "", closed: false };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, data) => {
        state.text += Buffer.from(data).toString("latin1");
      },
      close: () => {
        state.closed = true;
      },
    },
  });
  const until = async (done: () => boolean, ms = 3000) => {
    const deadline = performance.now() + ms;
    while (!done() && performance.now() < deadline) await Bun.sleep(5);
    return done();
  };
  return { socket, state, until };
}

const statuses = (text: string) =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe("serveHttp", () => {
  const port = start();

  test("a request is handed over whole, with its Host in the URL and its body", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: "POST",
      body: "hello",
    });
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      method: "POST",
      path: "/echo",
      host: `127.0.0.1:${port}`,
      body: "hello",
    });
    expect(response.headers.get("content-length")).toBe(String(text.length));
  });

  test("pipelined requests are answered in order on one connection", async () => {
    const client = await connect(port);
    client.socket.write(
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    expect(await client.until(() => statuses(client.state.text).length === 3)).toBe(true);
    const paths = [...client.state.text.matchAll(/"path":"([^"]+)"/g)].map((m) => m[1]);
    expect(paths).toEqual(["/a", "/b", "/c"]);
    expect(client.state.text).toContain('"body":"hi"');
    expect(client.state.closed).toBe(false);
    client.socket.end();
  });

  test("a chunked body is decoded, arriving in pieces", async () => {
    const client = await connect(port);
    client.socket.write(
      "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
    );
    await Bun.sleep(50);
    client.socket.write("\r\n2;x=1\r\nde\r\n0\r\n\r\n");
    expect(await client.until(() => client.state.text.includes("}"))).toBe(true);
    expect(client.state.text).toContain('"body":"abcde"');
    client.socket.end();
  });

  test("Expect: 100-continue gets its interim answer before the body is sent", async () => {
    const client = await connect(port);
    client.socket.write(
      "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
    );
    expect(await client.until(() => client.state.text.includes("100 Continue"))).toBe(true);
    client.socket.write("ok");
    expect(await client.until(() => client.state.text.includes('"body":"ok"'))).toBe(true);
    client.socket.end();
  });

  test("HTTP/1.0 closes after its answer unless it asks for keep-alive", async () => {
    const plain = await connect(port);
    plain.socket.write("GET /x HTTP/1.0\r\n\r\n");
    expect(await plain.until(() => plain.state.closed)).toBe(true);
    expect(statuses(plain.state.text)).toEqual([200]);
    const kept = await connect(port);
    kept.socket.write("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(await kept.until(() => kept.state.text.includes("}"))).toBe(true);
    await Bun.sleep(100);
    expect(kept.state.closed).toBe(false);
    expect(kept.state.text).toContain("connection: keep-alive");
    kept.socket.end();
  });

  test("an app's Connection: close ends the connection after that answer", async () => {
    const client = await connect(port);
    client.socket.write("GET /close HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await client.until(() => client.state.closed)).toBe(true);
    expect(statuses(client.state.text)).toEqual([200]);
  });

  test("an event stream goes out chunked, each event as it comes", async () => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/stream`);
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const arrivals: Array<[string, number]> = [];
    for (let next = await reader.read(); !next.done; next = await reader.read())
      arrivals.push([new TextDecoder().decode(next.value), performance.now() - started]);
    expect(arrivals.map(([text]) => text).join("")).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
    // The first event came before the stream ended, not all at once at the end.
    expect((arrivals[0] as [string, number])[1]).toBeLessThan(300);
  });

  test("a client that leaves aborts its request's signal", async () => {
    const client = await connect(port);
    client.socket.write("GET /wait HTTP/1.1\r\nHost: h\r\n\r\n");
    await Bun.sleep(100);
    expect(aborted.has("/wait")).toBe(false);
    client.socket.end();
    const deadline = performance.now() + 2000;
    while (!aborted.has("/wait") && performance.now() < deadline) await Bun.sleep(5);
    expect(aborted.has("/wait")).toBe(true);
  });

  test("a 16 MiB answer arrives whole, past the socket's buffer", async () => {
    const body = new Uint8Array(await (await fetch(`http://127.0.0.1:${port}/big`)).arrayBuffer());
    expect(body.length).toBe(16 * 2 ** 20);
    expect(body.every((byte) => byte === 7)).toBe(true);
  });

  test("the URL's host is the Host as it parses, or localhost when that is under 4 characters", async () => {
    for (const [host, seen] of [
      ["ab:80", "localhost"],
      ["example.com:80", "example.com"],
      ["[::1]:8080", "[::1]:8080"],
    ]) {
      const client = await connect(port);
      client.socket.write(
        `GET /echo?/other HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(await client.until(() => client.state.closed)).toBe(true);
      expect(client.state.text).toContain(`"path":"/echo","host":"${seen}"`);
    }
  });

  test("HEAD says the body's length and sends none", async () => {
    const client = await connect(port);
    client.socket.write("HEAD /big HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await client.until(() => client.state.text.endsWith("}"))).toBe(true);
    const [headAnswer = "", getAnswer = ""] = client.state.text.split(/(?=HTTP\/1\.1 )/);
    expect(headAnswer).toContain(`content-length: ${16 * 2 ** 20}\r\n`);
    expect(headAnswer.endsWith("\r\n\r\n")).toBe(true);
    expect(getAnswer).toContain('"method":"GET"');
    client.socket.end();
  });

  test("an answer to Connection: close reaches a client that reads it slowly", async () => {
    const client = await connect(port);
    // Paused before the answer comes: it waits in the server's backlog, not the client's buffer.
    client.socket.pause();
    client.socket.write("GET /big HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    await Bun.sleep(3000);
    client.socket.resume();
    expect(await client.until(() => client.state.closed, 10_000)).toBe(true);
    const body = client.state.text.slice(client.state.text.indexOf("\r\n\r\n") + 4);
    expect(body.length).toBe(16 * 2 ** 20);
  }, 20_000);

  test("pipelined bytes past what a request may hold close the connection after the answer, intact", async () => {
    const client = await connect(port);
    client.socket.write("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
    await Bun.sleep(20);
    client.socket.write("x".repeat(64 * 1024 + 9 * 1024));
    expect(await client.until(() => client.state.closed)).toBe(true);
    expect(statuses(client.state.text)).toEqual([200]);
    expect(client.state.text.endsWith("0\r\n\r\n")).toBe(true);
  });

  test("an answer whose connection will close after it says so", async () => {
    const client = await connect(port);
    client.socket.write("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
    await Bun.sleep(20);
    client.socket.write("x".repeat(64 * 1024 + 9 * 1024));
    expect(await client.until(() => client.state.closed)).toBe(true);
    expect(statuses(client.state.text)).toEqual([200]);
    expect(client.state.text).toContain("connection: close\r\n");
  });

  const refused: Array<[string, string, number]> = [
    ["a NUL in the path", "GET /a\u0000 HTTP/1.1\r\nHost: h\r\n\r\n", 400],
    ["bytes that are no request", "\u0016\u0003\u0001\u0002\u0000\u0001\r\n\r\n", 400],
    ["a head over the limit", `GET / HTTP/1.1\r\nHost: h\r\nX: ${"v".repeat(9000)}\r\n\r\n`, 431],
    [
      "a Content-Length over --max-body, before its body",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\n\r\n",
      413,
    ],
    [
      "a chunked body that grows past --max-body",
      `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${"8000\r\n".concat("x".repeat(0x8000), "\r\n").repeat(3)}`,
      413,
    ],
    [
      "broken chunk framing",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      400,
    ],
    ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505],
    ["an unknown method", "BREW /x HTTP/1.1\r\nHost: h\r\n\r\n", 400],
    ["a lower-case get", "get /x HTTP/1.1\r\nHost: h\r\n\r\n", 400],
  ];
  for (const [name, wire, status] of refused) {
    test(`refused and closed: ${name}`, async () => {
      const client = await connect(port);
      client.socket.write(wire);
      expect(await client.until(() => client.state.closed)).toBe(true);
      expect(statuses(client.state.text)).toEqual([status]);
    });
  }
});

describe("serveHttp limits", () => {
  test("a request that stops arriving gets its refusal at the deadline; a silent connection just closes", async () => {
    const port = start({ receiveMs: 300 });
    const partial = await connect(port);
    const silent = await connect(port);
    const started = performance.now();
    partial.socket.write("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
    expect(await partial.until(() => partial.state.closed)).toBe(true);
    expect(await silent.until(() => silent.state.closed)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(statuses(partial.state.text)).toEqual([408]);
    expect(silent.state.text).toBe("");
  });

  test("line breaks after a request leave the connection idle: not busy, and no 408", async () => {
    const port = start({ maxRequests: 1, receiveMs: 300 });
    const client = await connect(port);
    client.socket.write("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok\r\n");
    expect(await client.until(() => client.state.text.includes("}"))).toBe(true);
    await Bun.sleep(600);
    expect(statuses(client.state.text)).toEqual([200]);
    expect(client.state.closed).toBe(false);
    expect((await fetch(`http://127.0.0.1:${port}/x`)).status).toBe(200);
    client.socket.end();
  });

  test("past maxRequests busy connections a request is refused, /health is not, and room comes back", async () => {
    const port = start({ maxRequests: 2 });
    const holders = await Promise.all([connect(port), connect(port)]);
    for (const holder of holders)
      holder.socket.write("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab");
    await Bun.sleep(100);
    expect((await fetch(`http://127.0.0.1:${port}/x`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    for (const holder of holders) holder.socket.end();
    await Bun.sleep(100);
    expect((await fetch(`http://127.0.0.1:${port}/x`)).status).toBe(200);
  });

  test("a stream whose client stops reading is cut off after the keep-alive bound, and cancelled", async () => {
    const port = start({ keepAliveMs: 500 });
    const client = await connect(port);
    client.socket.write("GET /flood HTTP/1.1\r\nHost: h\r\n\r\n");
    await Bun.sleep(50);
    client.socket.pause();
    const deadline = performance.now() + 5000;
    while (!aborted.has("/flood") && performance.now() < deadline) await Bun.sleep(20);
    expect(aborted.has("/flood")).toBe(true);
    client.socket.resume();
    expect(await client.until(() => client.state.closed)).toBe(true);
  }, 10_000);

  test("stop lets an answer in progress finish and closes idle connections", async () => {
    const port = start();
    const idle = await connect(port);
    idle.socket.write("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await idle.until(() => idle.state.text.includes("}"))).toBe(true);
    const streaming = fetch(`http://127.0.0.1:${port}/stream`).then((response) => response.text());
    await Bun.sleep(50);
    await (servers.at(-1) as HttpListener).stop(2000);
    expect(idle.state.closed).toBe(true);
    expect(await streaming).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
  });
});
