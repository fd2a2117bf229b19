import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";
import {
  families,
  familyServers,
  getWeather,
  MARKUP,
  thinkingModel,
  twoCallModel,
} from "./tool-families.ts";

type Event = Anthropic.Messages.RawMessageStreamEvent;

function anthropic(server: ServerProcess, apiKey = "unused"): Anthropic {
  return new Anthropic({ baseURL: server.url, apiKey, maxRetries: 0 });
}

const ask: Anthropic.Messages.MessageParam[] = [
  { role: "user", content: "What is the weather like?" },
];
const weatherTool: Anthropic.Messages.Tool = {
  name: getWeather.function.name,
  description: getWeather.function.description ?? "",
  input_schema: getWeather.function.parameters as Anthropic.Messages.Tool.InputSchema,
};

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function textOf(message: Anthropic.Messages.Message): string {
  return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

const postJson = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Anthropic's error shape, checked whole. */
function expectAnthropicError(body: unknown, type: string): string {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  const message = typeof error?.message === "string" ? error.message : "";
  expect(body).toEqual({ type: "error", error: { type, message } });
  expect(message).not.toBe("");
  return message;
}

describe("Messages: text", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: ["\n", "It is", " sunny", " in Paris", "."] },
      args: ["--parallel", "1", "--alias", "glm-test"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("non-stream: one text block, end_turn, GLM-4's leading newline trimmed", async () => {
    const message = await anthropic(server).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: ask,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message).toMatchObject({ type: "message", role: "assistant", stop_reason: "end_turn" });
    expect(message.stop_sequence).toBeNull();
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "It is sunny in Paris." }]);
    expect(message.model).toBe("glm-test");
    expect(message.usage.output_tokens).toBe(6); // the five pieces and the end token
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBe(
      (await anthropic(server).messages.countTokens({ model: "x", messages: ask })).input_tokens,
    );
  });

  test("stream: Anthropic's event order, and the SDK's final message agrees", async () => {
    const request = { model: "claude-x", max_tokens: 100, messages: ask };
    const events = await collect(
      await anthropic(server).messages.create({ ...request, stream: true }),
    );
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("message_start");
    expect(types[1]).toBe("content_block_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(new Set(types.slice(2, -3))).toEqual(new Set(["content_block_delta"]));
    const text = events
      .map((event) =>
        event.type === "content_block_delta" && event.delta.type === "text_delta"
          ? event.delta.text
          : "",
      )
      .join("");
    expect(text).toBe("It is sunny in Paris.");
    const delta = events.find((event) => event.type === "message_delta");
    expect(delta).toMatchObject({
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: 6, cache_read_input_tokens: expect.any(Number) },
    });
    const final = await anthropic(server).messages.stream(request).finalMessage();
    expect(final.content as unknown[]).toEqual([{ type: "text", text: "It is sunny in Paris." }]);
    expect(final.stop_reason).toBe("end_turn");
  });

  test("max_tokens cuts the reply with stop_reason max_tokens", async () => {
    const message = await anthropic(server).messages.create({
      model: "x",
      max_tokens: 2,
      messages: ask,
    });
    expect(message.stop_reason).toBe("max_tokens");
    expect(textOf(message)).toBe("It is");
    expect(message.usage.output_tokens).toBe(2);
  });

  test("a stop sequence ends with stop_sequence and names it, streamed or not", async () => {
    const request = { model: "x", max_tokens: 100, messages: ask, stop_sequences: ["nope", "sun"] };
    const message = await anthropic(server).messages.create(request);
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("sun");
    expect(textOf(message)).toBe("It is ");
    const final = await anthropic(server).messages.stream(request).finalMessage();
    expect(final.stop_reason).toBe("stop_sequence");
    expect(final.stop_sequence).toBe("sun");
  });

  test("system as text blocks, and assistant history, render and count", async () => {
    const body = {
      model: "x",
      system: [{ type: "text" as const, text: "Be brief." }],
      messages: [
        ...ask,
        { role: "assistant" as const, content: [{ type: "text" as const, text: "Sunny." }] },
        { role: "user" as const, content: [{ type: "text" as const, text: "And tomorrow?" }] },
      ],
    };
    const counted = await anthropic(server).messages.countTokens(body);
    const bare = await anthropic(server).messages.countTokens({ model: "x", messages: ask });
    expect(counted.input_tokens).toBeGreaterThan(bare.input_tokens + 10);
    const message = await anthropic(server).messages.create({ ...body, max_tokens: 10 });
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBe(
      counted.input_tokens,
    );
  });

  test("Claude Code's changing billing header line neither counts nor defeats the cache", async () => {
    const system = (value: string) => [
      { type: "text" as const, text: `x-anthropic-billing-header: cc_version=${value};` },
      { type: "text" as const, text: "You are an agent. ".repeat(40) },
    ];
    const first = await anthropic(server).messages.countTokens({
      model: "x",
      system: system("1.0.a"),
      messages: ask,
    });
    const other = await anthropic(server).messages.countTokens({
      model: "x",
      system: system("2.7.zz"),
      messages: ask,
    });
    expect(other.input_tokens).toBe(first.input_tokens);
    const turn1 = await anthropic(server).messages.create({
      model: "x",
      max_tokens: 10,
      system: system("aaa"),
      messages: ask,
    });
    const turn2 = await anthropic(server).messages.create({
      model: "x",
      max_tokens: 10,
      system: system("bbbbbb"),
      messages: [
        ...ask,
        { role: "assistant", content: textOf(turn1) },
        { role: "user", content: "And tomorrow?" },
      ],
    });
    // The whole first turn's prompt is reused from the slot's KV cache.
    expect(turn2.usage.cache_read_input_tokens ?? 0).toBeGreaterThanOrEqual(first.input_tokens - 1);
  });

  test("a server tool is skipped, and a tool_use input nested 100,000 deep is a 400, not a 500", async () => {
    const serverTool = await rawRequest(
      server,
      "/v1/messages",
      postJson({
        model: "x",
        max_tokens: 2,
        messages: ask,
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      }),
    );
    expect(serverTool.status).toBe(200);
    const depth = 100_000;
    const input = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const body = `{"model":"x","max_tokens":2,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":${input}}]},{"role":"user","content":"go"}]}`;
    const deep = await rawRequest(server, "/v1/messages/count_tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(deep.status).toBe(400);
    expect(expectAnthropicError(deep.body, "invalid_request_error")).toMatch(/nests too deeply/);
  });

  test("any model name serves the loaded model; anthropic-version and unknown betas are fine", async () => {
    const response = await rawRequest(
      server,
      "/v1/messages?beta=true",
      postJson(
        { model: "claude-opus-4-1-20250805", max_tokens: 3, messages: ask },
        { "anthropic-version": "2023-06-01", "anthropic-beta": "made-up-beta-2099-01-01" },
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ type: "message", stop_reason: "max_tokens" });
  });
});

describe("Messages: thinking", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ model: thinkingModel, args: ["--chat-format", "glm45"] });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("thinking enabled: a thinking block, then the text; streamed with thinking and signature deltas", async () => {
    const request = {
      model: "x",
      max_tokens: 100,
      messages: ask,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
    };
    const message = await anthropic(server).messages.create(request);
    expect(message.content as unknown[]).toEqual([
      { type: "thinking", thinking: "Let me think", signature: "" },
      { type: "text", text: "It is sunny" },
    ]);
    const events = await collect(
      await anthropic(server).messages.create({ ...request, stream: true }),
    );
    const deltas = events.flatMap((event) =>
      event.type === "content_block_delta" ? [event.delta.type] : [],
    );
    expect(deltas).toContain("thinking_delta");
    expect(deltas.indexOf("signature_delta")).toBeLessThan(deltas.indexOf("text_delta"));
    const final = await anthropic(server).messages.stream(request).finalMessage();
    expect(final.content as unknown[]).toEqual(message.content);
  });

  test("thinking disabled: the prompt itself closes the think block, so only the answer comes", async () => {
    const message = await anthropic(server).messages.create({
      model: "x",
      max_tokens: 20,
      messages: ask,
      thinking: { type: "disabled" },
    });
    // The prompt ends in "<think></think>", and the chain goes on from its "</think>".
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "It is sunny" }]);
  });

  test("thinking blocks in history are accepted and re-encoded into the prompt", async () => {
    const base = { model: "x", thinking: { type: "enabled" as const, budget_tokens: 1024 } };
    const history = (thinking: string): Anthropic.Messages.MessageParam[] => [
      ...ask,
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking, signature: "" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sun" }] },
    ];
    const short = await anthropic(server).messages.countTokens({ ...base, messages: history("a") });
    const long = await anthropic(server).messages.countTokens({
      ...base,
      messages: history("a much longer line of reasoning"),
    });
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens);
    // Redacted thinking is opaque to any other model: accepted, and left out of the prompt.
    const turn = (content: Anthropic.Messages.ContentBlockParam[]) => ({
      ...base,
      messages: [
        ...ask,
        { role: "assistant" as const, content },
        { role: "user" as const, content: "Go on." },
      ],
    });
    const withRedacted = await anthropic(server).messages.countTokens(
      turn([
        { type: "redacted_thinking", data: "opaque".repeat(50) },
        { type: "text", text: "Hm." },
      ]),
    );
    const without = await anthropic(server).messages.countTokens(
      turn([{ type: "text", text: "Hm." }]),
    );
    expect(withRedacted.input_tokens).toBe(without.input_tokens);
  });
});

describe.each(families)("Messages: $name tool calls", (family) => {
  const servers = familyServers(family);

  const request = { model: "x", max_tokens: 200, messages: ask, tools: [weatherTool] };

  test("non-stream: a tool_use block with the input as an object, stop_reason tool_use", async () => {
    const message = await anthropic(servers.caller()).messages.create(request);
    expect(message.stop_reason).toBe("tool_use");
    const uses = message.content.filter((block) => block.type === "tool_use");
    expect(uses as unknown[]).toEqual([
      {
        type: "tool_use",
        id: expect.stringMatching(/^toolu_/),
        name: "get_weather",
        input: family.expected,
      },
    ]);
    expect(textOf(message)).not.toMatch(MARKUP);
  });

  test("stream: input_json_delta pieces make the same input; the SDK's final message agrees", async () => {
    const events = await collect(
      await anthropic(servers.caller()).messages.create({ ...request, stream: true }),
    );
    const start = events.find(
      (event) => event.type === "content_block_start" && event.content_block.type === "tool_use",
    );
    expect(start).toMatchObject({ content_block: { name: "get_weather", input: {} } });
    const json = events
      .map((event) =>
        event.type === "content_block_delta" && event.delta.type === "input_json_delta"
          ? event.delta.partial_json
          : "",
      )
      .join("");
    expect(JSON.parse(json)).toEqual(family.expected);
    const stop = events.find((event) => event.type === "message_delta");
    expect(stop).toMatchObject({ delta: { stop_reason: "tool_use" } });
    const final = await anthropic(servers.caller()).messages.stream(request).finalMessage();
    const use = final.content.find((block) => block.type === "tool_use");
    expect(use).toMatchObject({ name: "get_weather", input: family.expected });
  });

  test("round trip: the tool_result goes back and the conversation goes on", async () => {
    const first = await anthropic(servers.caller()).messages.create(request);
    const messages: Anthropic.Messages.MessageParam[] = [
      ...ask,
      { role: "assistant", content: first.content },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: first.content.find((block) => block.type === "tool_use")?.id ?? "",
            content: [{ type: "text", text: '{"sky": "sunny", "temp_c": 21}' }],
          },
        ],
      },
    ];
    const answer = await anthropic(servers.replier()).messages.create({ ...request, messages });
    expect(answer.stop_reason).toBe("end_turn");
    expect(answer.content as unknown[]).toEqual([{ type: "text", text: family.replyText }]);
    const failed = await anthropic(servers.replier()).messages.create({
      ...request,
      messages: [
        ...messages.slice(0, 2),
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_x", content: "no network", is_error: true },
            { type: "text", text: "Try again later then." },
          ],
        },
      ],
    });
    expect(textOf(failed)).toBe(family.replyText);
  });

  test("a failed tool result (is_error) tells the model so", async () => {
    const result = (is_error: boolean) => ({
      model: "x",
      tools: [weatherTool],
      messages: [
        ...ask,
        {
          role: "assistant" as const,
          content: [{ type: "tool_use" as const, id: "toolu_1", name: "get_weather", input: {} }],
        },
        {
          role: "user" as const,
          content: [
            {
              type: "tool_result" as const,
              tool_use_id: "toolu_1",
              content: "no network",
              is_error,
            },
          ],
        },
      ],
    });
    const failed = await anthropic(servers.caller()).messages.countTokens(result(true));
    const fine = await anthropic(servers.caller()).messages.countTokens(result(false));
    expect(failed.input_tokens).toBeGreaterThan(fine.input_tokens);
  });

  test('tool_choice "none" turns the same output into text', async () => {
    const message = await anthropic(servers.caller()).messages.create({
      ...request,
      tool_choice: { type: "none" },
    });
    expect(message.stop_reason).toBe("end_turn");
    expect(textOf(message)).toContain("get_weather");
  });
});

describe("Messages: limits, auth, cancellation and errors", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      // Tests hold the slot with a long stream; drafted, the loop fills 256 tokens in a few steps.
      args: [
        ...["--parallel", "1", "--queue-limit", "0", "--ctx-size", "256", "--spec", "off"],
        ...["--api-key", "sk-test", "--max-body", "4KiB"],
      ],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  const headers = { "x-api-key": "sk-test" };
  const idle = async () => {
    for (let i = 0; i < 100; i++) {
      const slots = (await rawRequest(server, "/slots", { headers })).body as {
        slots: Array<{ busy: boolean }>;
      };
      if (slots.slots.every((slot) => !slot.busy)) return true;
      await Bun.sleep(20);
    }
    return false;
  };

  test("x-api-key is accepted, and so is Authorization: Bearer", async () => {
    const message = await anthropic(server, "sk-test").messages.create({
      model: "x",
      max_tokens: 2,
      messages: ask,
    });
    expect(textOf(message)).toBe(" ping pong");
    const bearer = await rawRequest(
      server,
      "/v1/messages",
      postJson({ model: "x", max_tokens: 2, messages: ask }, { authorization: "Bearer sk-test" }),
    );
    expect(bearer.status).toBe(200);
  });

  test("a wrong key is 401 authentication_error; the SDK raises AuthenticationError", async () => {
    const error = await anthropic(server, "sk-wrong")
      .messages.create({ model: "x", max_tokens: 2, messages: ask })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const raw = await rawRequest(server, "/v1/messages", postJson({}, { "x-api-key": "nope" }));
    expect(raw.status).toBe(401);
    expectAnthropicError(raw.body, "authentication_error");
  });

  test("a client that disconnects mid-stream frees the slot", async () => {
    const controller = new AbortController();
    const stream = await anthropic(server, "sk-test").messages.create(
      { model: "x", max_tokens: 100_000, messages: ask, stream: true },
      { signal: controller.signal },
    );
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type === "content_block_delta" && ++deltas === 3) controller.abort();
      }
    } catch {
      // The SDK may end the loop or raise APIUserAbortError; either way the client is gone.
    }
    expect(deltas).toBeGreaterThanOrEqual(3);
    expect(await idle()).toBe(true);
  });

  const errorCases: Array<[string, unknown, number, string, RegExp]> = [
    ["no max_tokens", { model: "x", messages: ask }, 400, "invalid_request_error", /max_tokens/],
    ["no model", { max_tokens: 5, messages: ask }, 400, "invalid_request_error", /model/],
    [
      "an image block",
      {
        model: "x",
        max_tokens: 5,
        messages: [
          { role: "user", content: [{ type: "image", source: { type: "base64", data: "AA" } }] },
        ],
      },
      400,
      "invalid_request_error",
      /text only/,
    ],
    [
      "a tool_result with an image",
      {
        model: "x",
        max_tokens: 5,
        messages: [
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "image" }] }],
          },
        ],
      },
      400,
      "invalid_request_error",
      /text only/,
    ],
    [
      "a bad tool_choice",
      { model: "x", max_tokens: 5, messages: ask, tool_choice: { type: "sometimes" } },
      400,
      "invalid_request_error",
      /tool_choice/,
    ],
    [
      "tool_choice naming a tool not offered",
      { model: "x", max_tokens: 5, messages: ask, tool_choice: { type: "tool", name: "nope" } },
      400,
      "invalid_request_error",
      /not in tools/,
    ],
    [
      "a client tool without input_schema",
      { model: "x", max_tokens: 5, messages: ask, tools: [{ name: "f" }] },
      400,
      "invalid_request_error",
      /tools\.0\.input_schema/,
    ],
    [
      "temperature above Anthropic's 1",
      { model: "x", max_tokens: 5, messages: ask, temperature: 1.5 },
      400,
      "invalid_request_error",
      /temperature/,
    ],
    [
      "an over-long prompt",
      { model: "x", max_tokens: 5, messages: [{ role: "user", content: "word ".repeat(400) }] },
      400,
      "invalid_request_error",
      /^prompt is too long: \d+ tokens > 255 maximum.*--ctx-size/,
    ],
  ];

  test.each(errorCases)("%s: %i %s", async (_, body, status, type, message) => {
    const response = await rawRequest(server, "/v1/messages", postJson(body, headers));
    expect(response.status).toBe(status);
    expect(expectAnthropicError(response.body, type)).toMatch(message);
  });

  test("invalid JSON, an unknown route and a wrong method keep Anthropic's shape", async () => {
    const bad = await rawRequest(server, "/v1/messages", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expectAnthropicError(bad.body, "invalid_request_error");
    const missing = await rawRequest(server, "/v1/messages/batches", postJson({}, headers));
    expect(missing.status).toBe(404);
    expectAnthropicError(missing.body, "not_found_error");
    const method = await rawRequest(server, "/v1/messages", { headers });
    expect(method.status).toBe(405);
    expectAnthropicError(method.body, "invalid_request_error");
  });

  test("a body over --max-body is 413 request_too_large", async () => {
    const body = {
      model: "x",
      max_tokens: 5,
      messages: [{ role: "user", content: "x".repeat(8000) }],
    };
    const response = await rawRequest(server, "/v1/messages", postJson(body, headers));
    expect(response.status).toBe(413);
    expectAnthropicError(response.body, "request_too_large");
  });

  test("a full queue is 429 rate_limit_error, which the SDK raises as RateLimitError", async () => {
    const controller = new AbortController();
    const holder = await fetch(`${server.url}/v1/messages`, {
      ...postJson({ model: "x", max_tokens: 100_000, messages: ask, stream: true }, headers),
      signal: controller.signal,
    });
    const reader = holder.body?.getReader();
    await reader?.read();
    const busy = await rawRequest(
      server,
      "/v1/messages",
      postJson({ model: "x", max_tokens: 2, messages: ask }, headers),
    );
    expect(busy.status).toBe(429);
    expectAnthropicError(busy.body, "rate_limit_error");
    const error = await anthropic(server, "sk-test")
      .messages.create({ model: "x", max_tokens: 2, messages: ask })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    controller.abort();
    expect(await idle()).toBe(true);
  });
});

test("a draining server answers 529 overloaded_error, which Claude Code retries, and ends cut streams with it", async () => {
  await using server = await startServer({
    model: { chain: [" ping", " pong"], loop: true },
    args: ["--drain-seconds", "1"],
  });
  const controller = new AbortController();
  const holder = await fetch(`${server.url}/v1/messages`, {
    ...postJson({ model: "x", max_tokens: 100_000, messages: ask, stream: true }),
    signal: controller.signal,
  });
  const reader = holder.body?.getReader();
  await reader?.read();
  server.process.kill("SIGTERM");
  let response = await rawRequest(
    server,
    "/v1/messages",
    postJson({ model: "x", max_tokens: 2, messages: ask }),
  );
  for (let i = 0; i < 50 && response.status === 200; i++) {
    await Bun.sleep(20);
    response = await rawRequest(
      server,
      "/v1/messages",
      postJson({ model: "x", max_tokens: 2, messages: ask }),
    );
  }
  expect(response.status).toBe(529);
  expectAnthropicError(response.body, "overloaded_error");
  // The held stream is cut when --drain-seconds runs out: its last event says why.
  let rest = "";
  const decoder = new TextDecoder();
  for (let next = await reader?.read(); next && !next.done; next = await reader?.read())
    rest += decoder.decode(next.value, { stream: true });
  const last = rest.trimEnd().split("\n\n").at(-1) ?? "";
  expect(last.split("\n")[0]).toBe("event: error");
  expect(
    expectAnthropicError(JSON.parse(last.split("\n")[1]?.slice(6) ?? "null"), "overloaded_error"),
  ).toMatch(/shutting down/);
  controller.abort();
});

test("disable_parallel_tool_use returns only the first of two GLM-4.5 calls", async () => {
  await using server = await startServer({ model: twoCallModel, args: ["--chat-format", "glm45"] });
  const request = { model: "x", max_tokens: 200, messages: ask, tools: [weatherTool] };
  const both = await anthropic(server).messages.create(request);
  const uses = (message: Anthropic.Messages.Message) =>
    message.content.flatMap((block) => (block.type === "tool_use" ? [block.input] : []));
  expect(uses(both)).toEqual([{ city: "Paris" }, { city: "Rome" }]);
  const first = await anthropic(server).messages.create({
    ...request,
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
  });
  expect(uses(first)).toEqual([{ city: "Paris" }]);
  expect(first.stop_reason).toBe("tool_use");
});
