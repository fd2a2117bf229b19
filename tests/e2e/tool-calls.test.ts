import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";
import { ask, families, getWeather, MARKUP, modelOf, twoCallModel } from "./tool-families.ts";

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function contentOf(chunks: Chunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

function finishesOf(chunks: Chunk[]): string[] {
  return chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.finish_reason ?? []));
}

describe.each(families)("$name tool calls", (family) => {
  let caller: ServerProcess;
  let replier: ServerProcess;
  let malformed: ServerProcess;
  beforeAll(async () => {
    const args = family.args ?? [];
    [caller, replier, malformed] = await Promise.all([
      startServer({ model: modelOf(family, family.call, "<|observation|>"), args }),
      startServer({ model: modelOf(family, family.reply), args }),
      startServer({ model: modelOf(family, family.malformed), args }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([caller, replier, malformed].map((server) => server?.stop("SIGKILL")));
  });

  test("non-stream: one tool call with parsed arguments and finish tool_calls", async () => {
    const completion = await caller.client.chat.completions.create({
      model: "x",
      messages: ask,
      tools: [getWeather],
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content ?? "").toBe("");
    const calls = choice?.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0];
    if (call?.type !== "function") throw new Error(`expected a function call, got ${call?.type}`);
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(family.expected);
  });

  test("stream: OpenAI's tool_calls delta shape, no content, finish tool_calls", async () => {
    const chunks = await collect(
      await caller.client.chat.completions.create({
        model: "x",
        messages: ask,
        tools: [getWeather],
        stream: true,
      }),
    );
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const [first, ...later] = deltas;
    expect(first).toEqual({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(later.length).toBeGreaterThan(0);
    for (const delta of later) {
      expect(delta.index).toBe(0);
      expect(delta.id).toBeUndefined();
      expect(delta.function?.name).toBeUndefined();
    }
    const args = later.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual(family.expected);
    // Every format streams one delta per argument, then the closing brace.
    expect(later.length).toBe(Object.keys(family.expected).length + 1);
    expect(contentOf(chunks)).toBe("");
    expect(finishesOf(chunks)).toEqual(["tool_calls"]);
  });

  test("the SDK's accumulated stream agrees with the non-stream reply", async () => {
    const request = { model: "x", messages: ask, tools: [getWeather] };
    const plain = await caller.client.chat.completions.create(request);
    const final = await caller.client.chat.completions.stream(request).finalChatCompletion();
    const summarize = (completion: OpenAI.Chat.Completions.ChatCompletion) => {
      const choice = completion.choices[0];
      return {
        finish: choice?.finish_reason,
        calls: (choice?.message.tool_calls ?? []).map((call) =>
          call.type === "function"
            ? { name: call.function.name, args: JSON.parse(call.function.arguments) }
            : call,
        ),
      };
    };
    expect(summarize(final)).toEqual(summarize(plain));
    expect(summarize(final).calls).toEqual([{ name: "get_weather", args: family.expected }]);
  });

  test("no markup leaks into content, streamed or not", async () => {
    const request = { model: "x", messages: ask, tools: [getWeather] };
    const plain = await caller.client.chat.completions.create(request);
    const chunks = await collect(
      await caller.client.chat.completions.create({ ...request, stream: true }),
    );
    expect(plain.choices[0]?.message.content ?? "").not.toMatch(MARKUP);
    expect(contentOf(chunks)).not.toMatch(MARKUP);
    for (const chunk of chunks) expect(chunk.choices[0]?.delta.content ?? "").not.toMatch(MARKUP);
  });

  test("tool_choice naming get_weather still gets the call", async () => {
    const completion = await caller.client.chat.completions.create({
      model: "x",
      messages: ask,
      tools: [getWeather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : call?.type).toBe("get_weather");
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
  });

  test("max_tokens cutting the call short ends with length", async () => {
    const completion = await caller.client.chat.completions.create({
      model: "x",
      messages: ask,
      tools: [getWeather],
      max_tokens: 4,
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("length");
    if (family.cutCallIsCall) {
      // The name had streamed; the call keeps it, with no whole argument yet.
      const call = choice?.message.tool_calls?.[0];
      expect(
        call?.type === "function" ? [call.function.name, call.function.arguments] : [],
      ).toEqual(["get_weather", "{}"]);
    } else {
      expect(choice?.message.tool_calls ?? []).toEqual([]);
      expect(choice?.message.content).toContain("get");
    }
  });

  test('tool_choice "none": the same output is plain content', async () => {
    const request = {
      model: "x",
      messages: ask,
      tools: [getWeather],
      tool_choice: "none" as const,
    };
    const plain = await caller.client.chat.completions.create(request);
    const choice = plain.choices[0];
    expect(choice?.message.tool_calls ?? []).toEqual([]);
    expect(choice?.finish_reason).toBe("stop");
    expect(choice?.message.content).toContain("get_weather");
    const chunks = await collect(
      await caller.client.chat.completions.create({ ...request, stream: true }),
    );
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
    expect(finishesOf(chunks)).toEqual(["stop"]);
    expect(contentOf(chunks)).toBe(choice?.message.content ?? "");
  });

  test("round trip: a tool result in the history gets a plain answer", async () => {
    const messages: Message[] = [
      ...ask,
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_abc123",
            type: "function",
            function: { name: "get_weather", arguments: JSON.stringify(family.expected) },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_abc123", content: '{"sky": "sunny", "temp_c": 21}' },
    ];
    const raw = await rawRequest(replier, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "x", messages, tools: [getWeather] }),
    });
    expect(raw.status).toBe(200);
    const completion = await replier.client.chat.completions.create({
      model: "x",
      messages,
      tools: [getWeather],
    });
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe(family.replyText);
    expect(choice?.message.tool_calls ?? []).toEqual([]);
    expect(choice?.finish_reason).toBe("stop");
  });

  test("malformed arguments: content, or a call with its whole pairs; streamed and not agree", async () => {
    const body = { model: "x", messages: ask, tools: [getWeather] };
    const raw = await rawRequest(malformed, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(raw.status).toBe(200);
    const choice = (raw.body as OpenAI.Chat.Completions.ChatCompletion).choices[0];
    const chunks = await collect(
      await malformed.client.chat.completions.create({ ...body, stream: true }),
    );
    if (family.cutCallIsCall) {
      expect(choice?.finish_reason).toBe("tool_calls");
      const call = choice?.message.tool_calls?.[0];
      expect(call?.type === "function" ? call.function.arguments : "").toBe("{}");
      const args = chunks
        .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
        .map((delta) => delta.function?.arguments ?? "")
        .join("");
      expect(args).toBe("{}");
      expect(finishesOf(chunks)).toEqual(["tool_calls"]);
      return;
    }
    expect(choice?.finish_reason).not.toBe("tool_calls");
    expect(choice?.message.tool_calls ?? []).toEqual([]);
    expect(choice?.message.content).toContain("get_weather");
    expect(choice?.message.content).toContain("city");
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
    expect(finishesOf(chunks)).toEqual(["stop"]);
    expect(contentOf(chunks)).toBe(choice?.message.content ?? "");
  });
});

test("GLM-4.5: content, then two calls with their own index and id", async () => {
  await using server = await startServer({ model: twoCallModel, args: ["--chat-format", "glm45"] });
  const request = { model: "x", messages: ask, tools: [getWeather] };
  const completion = await server.client.chat.completions.create(request);
  const message = completion.choices[0]?.message;
  expect(message?.content).toBe("Let me check.");
  expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
  const calls = (message?.tool_calls ?? []).flatMap((call) =>
    call.type === "function" ? [call] : [],
  );
  expect(calls.map((call) => JSON.parse(call.function.arguments))).toEqual([
    { city: "Paris" },
    { city: "Rome" },
  ]);
  expect(new Set(calls.map((call) => call.id)).size).toBe(2);

  const chunks = await collect(
    await server.client.chat.completions.create({ ...request, stream: true }),
  );
  const starts = chunks.flatMap((chunk) =>
    (chunk.choices[0]?.delta.tool_calls ?? []).filter((delta) => delta.id !== undefined),
  );
  expect(starts.map((delta) => delta.index)).toEqual([0, 1]);
  const firstCall = chunks.findIndex((chunk) => chunk.choices[0]?.delta.tool_calls);
  const lastContent = chunks.findLastIndex((chunk) => chunk.choices[0]?.delta.content);
  expect(lastContent).toBeLessThan(firstCall);
  expect(contentOf(chunks)).toBe("Let me check.");

  const final = await server.client.chat.completions.stream(request).finalChatCompletion();
  expect(final.choices[0]?.message.content).toBe("Let me check.");
  const finalArgs = (final.choices[0]?.message.tool_calls ?? []).map((call) =>
    call.type === "function" ? JSON.parse(call.function.arguments) : call.type,
  );
  expect(finalArgs).toEqual([{ city: "Paris" }, { city: "Rome" }]);
});

test("parallel_tool_calls: false returns only the first call, streamed or not", async () => {
  await using server = await startServer({ model: twoCallModel, args: ["--chat-format", "glm45"] });
  const request = { model: "x", messages: ask, tools: [getWeather], parallel_tool_calls: false };
  const completion = await server.client.chat.completions.create(request);
  const calls = completion.choices[0]?.message.tool_calls ?? [];
  expect(calls.map((call) => (call.type === "function" ? call.function.arguments : ""))).toEqual([
    JSON.stringify({ city: "Paris" }),
  ]);
  const final = await server.client.chat.completions.stream(request).finalChatCompletion();
  expect(final.choices[0]?.message.tool_calls?.length).toBe(1);
});
