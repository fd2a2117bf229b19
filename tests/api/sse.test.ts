import { describe, expect, test } from "bun:test";
import { dataEvents, type SseEvent, sseResponse } from "../../src/api/sse.ts";
import { EngineError } from "../../src/engine/errors.ts";

async function* slow(events: SseEvent[], pauseMs: number): AsyncGenerator<SseEvent> {
  for (const event of events) {
    await Bun.sleep(pauseMs);
    yield event;
  }
}

describe("sseResponse", () => {
  test("named events, then the end; no [DONE] unless asked for", async () => {
    const body = await sseResponse(slow([{ event: "a", data: { n: 1 } }], 0), () => {}).text();
    expect(body).toBe('event: a\ndata: {"n":1}\n\n');
    const marked = await sseResponse(
      dataEvents(slow([{ data: 2 }], 0), () => false),
      () => {},
      {
        doneMarker: true,
      },
    ).text();
    expect(marked).toBe('data: {"data":2}\n\ndata: [DONE]\n\n');
  });

  test("a failure mid-stream ends the data events with OpenAI's error body", async () => {
    async function* failing(): AsyncGenerator<unknown> {
      yield { n: 1 };
      throw new EngineError("internal", "the inference engine failed: worker lost");
    }
    const body = await sseResponse(
      dataEvents(failing(), () => false),
      () => {},
    ).text();
    const blocks = body.split("\n\n").filter(Boolean);
    expect(blocks[0]).toBe('data: {"n":1}');
    expect(JSON.parse((blocks[1] ?? "").slice("data: ".length))).toEqual({
      error: {
        message: "the inference engine failed: worker lost",
        type: "server_error",
        param: null,
        code: "internal",
      },
    });
    expect(blocks).toHaveLength(2);
  });

  test("a quiet stream (a long prefill) gets heartbeats, in the protocol's form", async () => {
    const ping = { event: "ping", data: { type: "ping" } };
    const body = await sseResponse(slow([{ event: "x", data: 1 }], 120), () => {}, {
      heartbeat: ping,
      heartbeatMs: 25,
    }).text();
    const blocks = body.split("\n\n").filter(Boolean);
    expect(blocks.at(-1)).toBe("event: x\ndata: 1");
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks.slice(0, -1))
      expect(block).toBe('event: ping\ndata: {"type":"ping"}');
    const comments = await sseResponse(slow([{ data: 1 }], 80), () => {}, {
      heartbeatMs: 25,
    }).text();
    expect(comments.startsWith(": ping\n\n")).toBe(true);
  });

  test("no heartbeat while events keep coming", async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({ data: i }));
    const body = await sseResponse(slow(events, 5), () => {}, { heartbeatMs: 200 }).text();
    expect(body).not.toContain("ping");
  });
});
