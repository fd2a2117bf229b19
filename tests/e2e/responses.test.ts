import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { randomModelPath } from "../support/test-models.ts";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";
import {
  families,
  familyServers,
  getWeather,
  MARKUP,
  thinkingModel,
  twoCallModel,
} from "./tool-families.ts";

type Event = OpenAI.Responses.ResponseStreamEvent;
type InputItem = OpenAI.Responses.ResponseInputItem;

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: getWeather.function.name,
  description: getWeather.function.description ?? null,
  parameters: getWeather.function.parameters ?? null,
  strict: false,
};
const question = "What is the weather like?";

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const postJson = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

function callsOf(response: OpenAI.Responses.Response): OpenAI.Responses.ResponseFunctionToolCall[] {
  return response.output.flatMap((item) => (item.type === "function_call" ? [item] : []));
}

describe("Responses: text", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: ["\n", "It is", " sunny", " in Paris", "."] },
      args: ["--parallel", "1"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("non-stream: one message item with output_text, status completed, usage", async () => {
    const response = await server.client.responses.create({
      model: "gpt-5.5",
      instructions: "Be brief.",
      input: question,
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response).toMatchObject({ object: "response", status: "completed" });
    expect(response.incomplete_details).toBeNull();
    expect(response.output_text).toBe("It is sunny in Paris.");
    const [item] = response.output;
    expect(item).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(item?.id).toMatch(/^msg_/);
    const usage = response.usage;
    expect(usage?.output_tokens).toBe(6); // the five pieces and the end token
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + 6);
    expect(usage?.output_tokens_details.reasoning_tokens).toBe(0);
    const counted = await server.client.responses.inputTokens.count({
      instructions: "Be brief.",
      input: question,
    });
    expect(counted.input_tokens).toBe(usage?.input_tokens ?? -1);
  });

  test("stream: the event sequence Codex reads, sequence numbers in order", async () => {
    const events = await collect(
      await server.client.responses.create({ model: "x", input: question, stream: true }),
    );
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const deltas = events.flatMap((event) =>
      event.type === "response.output_text.delta" ? [event] : [],
    );
    expect(deltas.map((event) => event.delta).join("")).toBe("It is sunny in Paris.");
    for (const delta of deltas) expect(delta).toMatchObject({ output_index: 0, content_index: 0 });
    const done = events.at(-1);
    const output = done?.type === "response.completed" ? done.response.output : [];
    expect(output).toEqual([
      {
        type: "message",
        id: expect.stringMatching(/^msg_/),
        status: "completed",
        role: "assistant",
        content: [
          { type: "output_text", text: "It is sunny in Paris.", annotations: [], logprobs: [] },
        ],
      },
    ]);
    const final = await server.client.responses
      .stream({ model: "x", input: question })
      .finalResponse();
    expect(final.output_text).toBe("It is sunny in Paris.");
    expect(final.status).toBe("completed");
  });

  test("max_output_tokens cuts the reply: status incomplete, reason max_output_tokens", async () => {
    const request = { model: "x", input: question, max_output_tokens: 2 };
    const response = await server.client.responses.create(request);
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.output_text).toBe("It is");
    const events = await collect(
      await server.client.responses.create({ ...request, stream: true }),
    );
    expect(events.at(-1)?.type).toBe("response.incomplete");
  });

  test("message items with input_text and output_text parts, developer as system", async () => {
    const input: InputItem[] = [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "Be brief." }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: question }] },
      {
        type: "message",
        role: "assistant",
        id: "msg_1",
        status: "completed",
        content: [{ type: "output_text", text: "Sunny.", annotations: [] }],
      },
      { role: "user", content: "And tomorrow?" },
    ];
    const response = await server.client.responses.create({ model: "x", input });
    expect(response.output_text).toBe("It is sunny in Paris.");
    const bare = await server.client.responses.inputTokens.count({ input: question });
    expect(response.usage?.input_tokens ?? 0).toBeGreaterThan(bare.input_tokens + 10);
  });

  test("Codex's tool types beyond function are skipped, not refused", async () => {
    const response = await rawRequest(
      server,
      "/v1/responses",
      postJson({
        model: "x",
        input: question,
        tools: [
          { type: "web_search", external_web_access: false },
          { type: "custom", name: "apply_patch", format: { type: "grammar" } },
          { type: "namespace", name: "multi_agent", tools: [] },
          weatherTool,
        ],
        store: false,
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: "abc",
        text: { verbosity: "low" },
        reasoning: { effort: "none" },
      }),
    );
    expect(response.status).toBe(200);
    expect((response.body as OpenAI.Responses.Response).status).toBe("completed");
    expect(server.stderr()).toContain("skipped a tool type");
  });
});

describe("Responses: reasoning", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ model: thinkingModel, args: ["--chat-format", "glm45"] });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("reasoning.effort turns thinking on: a reasoning item, then the message", async () => {
    const request = { model: "x", input: question, reasoning: { effort: "high" as const } };
    const response = await server.client.responses.create(request);
    const [reasoning, message] = response.output;
    expect(reasoning).toMatchObject({
      type: "reasoning",
      content: [{ type: "reasoning_text", text: "Let me think" }],
    });
    expect(reasoning?.id).toMatch(/^rs_/);
    expect(message?.type).toBe("message");
    expect(response.output_text).toBe("It is sunny");
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    const events = await collect(
      await server.client.responses.create({ ...request, stream: true }),
    );
    const thoughts = events.flatMap((event) =>
      event.type === "response.reasoning_text.delta" ? [event.delta] : [],
    );
    expect(thoughts.join("")).toBe("Let me think");
    // The SDK's stream helper rebuilds the response from the events, content parts included.
    const final = await server.client.responses.stream(request).finalResponse();
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(final.output[0]).toMatchObject({
      content: [{ type: "reasoning_text", text: "Let me think" }],
    });
    expect(final.output_text).toBe("It is sunny");
    const none = await server.client.responses.create({
      ...request,
      reasoning: { effort: "none" },
    });
    expect(none.output.map((item) => item.type)).toEqual(["message"]);
  });

  test("a reasoning item goes with the assistant turn right after it, or nowhere", async () => {
    const base = { reasoning: { effort: "high" as const } };
    const reasoning: InputItem = {
      type: "reasoning",
      id: "rs_1",
      summary: [{ type: "summary_text", text: "a long line of earlier reasoning" }],
    };
    const turns: InputItem[] = [
      { role: "user", content: question },
      { role: "assistant", content: "Sunny." },
    ];
    const bare = await server.client.responses.inputTokens.count({ ...base, input: turns });
    const stray = await server.client.responses.inputTokens.count({
      ...base,
      input: [reasoning, ...turns],
    });
    expect(stray.input_tokens).toBe(bare.input_tokens);
    const kept = await server.client.responses.inputTokens.count({
      ...base,
      input: [turns[0] as InputItem, reasoning, turns[1] as InputItem],
    });
    expect(kept.input_tokens).toBeGreaterThan(bare.input_tokens);
  });

  test("a reasoning item in the input goes back into the prompt", async () => {
    const input = (text: string): InputItem[] => [
      { role: "user", content: question },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text }] },
      {
        type: "function_call",
        call_id: "call_1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      },
      { type: "function_call_output", call_id: "call_1", output: "sun" },
    ];
    const base = { tools: [weatherTool], reasoning: { effort: "high" as const } };
    const short = await server.client.responses.inputTokens.count({ ...base, input: input("a") });
    const long = await server.client.responses.inputTokens.count({
      ...base,
      input: input("a much longer line of reasoning"),
    });
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens);
  });
});

describe.each(families)("Responses: $name function calls", (family) => {
  const servers = familyServers(family);

  const request = { model: "x", input: question, tools: [weatherTool] };

  test("non-stream: a function_call item with its own id, a call_id and JSON arguments", async () => {
    const response = await servers.caller().client.responses.create(request);
    expect(response.status).toBe("completed");
    const [call, ...more] = callsOf(response);
    expect(more).toEqual([]);
    expect(call?.id).toMatch(/^fc_/);
    expect(call?.call_id).toMatch(/^call_/);
    expect(call?.name).toBe("get_weather");
    expect(JSON.parse(call?.arguments ?? "")).toEqual(family.expected);
    expect(response.output_text).not.toMatch(MARKUP);
  });

  test("stream: argument deltas make the same arguments; the SDK's final response agrees", async () => {
    const events = await collect(
      await servers.caller().client.responses.create({ ...request, stream: true }),
    );
    const added = events.find(
      (event) => event.type === "response.output_item.added" && event.item.type === "function_call",
    );
    expect(added).toMatchObject({ item: { name: "get_weather", arguments: "" } });
    const args = events
      .flatMap((event) =>
        event.type === "response.function_call_arguments.delta" ? [event.delta] : [],
      )
      .join("");
    expect(JSON.parse(args)).toEqual(family.expected);
    const done = events.find((event) => event.type === "response.function_call_arguments.done");
    expect(done?.type === "response.function_call_arguments.done" ? done.arguments : "").toBe(args);
    const final = await servers.caller().client.responses.stream(request).finalResponse();
    expect(JSON.parse(callsOf(final)[0]?.arguments ?? "")).toEqual(family.expected);
  });

  test("round trip: function_call_output goes back and the conversation goes on", async () => {
    const first = await servers.caller().client.responses.create(request);
    const call = callsOf(first)[0];
    const input: InputItem[] = [
      { role: "user", content: question },
      ...(first.output as InputItem[]),
      {
        type: "function_call_output",
        call_id: call?.call_id ?? "",
        output: '{"sky": "sunny", "temp_c": 21}',
      },
    ];
    const answer = await servers.replier().client.responses.create({ ...request, input });
    expect(answer.status).toBe("completed");
    expect(answer.output_text).toBe(family.replyText);
    expect(callsOf(answer)).toEqual([]);
  });
});

test("parallel_tool_calls: false returns only the first of two GLM-4.5 calls", async () => {
  await using server = await startServer({ model: twoCallModel, args: ["--chat-format", "glm45"] });
  const request = { model: "x", input: question, tools: [weatherTool] };
  const both = await server.client.responses.create(request);
  expect(callsOf(both).map((call) => JSON.parse(call.arguments))).toEqual([
    { city: "Paris" },
    { city: "Rome" },
  ]);
  const first = await server.client.responses.create({ ...request, parallel_tool_calls: false });
  expect(callsOf(first).map((call) => JSON.parse(call.arguments))).toEqual([{ city: "Paris" }]);
  expect(first.parallel_tool_calls).toBe(false);
});

test("text.format json_schema is enforced like response_format", async () => {
  await using server = await startServer({
    args: ["--model", randomModelPath(), "--ctx-size", "8192"],
  });
  const schema = {
    type: "object",
    properties: { color: { enum: ["red", "green"] }, ok: { type: "boolean" } },
    required: ["color", "ok"],
  };
  const response = await server.client.responses.create({
    model: "x",
    input: "Describe the thing.",
    temperature: 0,
    max_output_tokens: 1500,
    text: { format: { type: "json_schema", name: "thing", schema, strict: true } },
  });
  expect(response.status).toBe("completed");
  const value = JSON.parse(response.output_text) as Record<string, unknown>;
  expect(["red", "green"]).toContain(value.color as string);
  expect(typeof value.ok).toBe("boolean");
  expect(response.text?.format).toMatchObject({ type: "json_schema", name: "thing" });
});

describe("Responses: limits, auth, cancellation and errors", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      // Tests hold the slot with a long stream; drafted, the loop fills 256 tokens in a few steps.
      args: ["--parallel", "1", "--ctx-size", "256", "--api-key", "sk-test", "--spec", "off"],
      apiKey: "sk-test",
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  const idle = async () => {
    for (let i = 0; i < 100; i++) {
      const slots = (await rawRequest(server, "/slots", { headers: { "x-api-key": "sk-test" } }))
        .body as { slots: Array<{ busy: boolean }> };
      if (slots.slots.every((slot) => !slot.busy)) return true;
      await Bun.sleep(20);
    }
    return false;
  };

  test("x-api-key is accepted as well as Bearer; a wrong key is OpenAI's 401", async () => {
    const ok = await rawRequest(
      server,
      "/v1/responses",
      postJson({ input: "hi", max_output_tokens: 2 }, { "x-api-key": "sk-test" }),
    );
    expect(ok.status).toBe(200);
    const wrong = await rawRequest(
      server,
      "/v1/responses",
      postJson({ input: "hi" }, { authorization: "Bearer nope" }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_api_key" },
    });
  });

  test("a client that disconnects mid-stream frees the slot", async () => {
    const controller = new AbortController();
    const stream = await server.client.responses.create(
      { model: "x", input: "hi", stream: true },
      { signal: controller.signal },
    );
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type === "response.output_text.delta" && ++deltas === 3) controller.abort();
      }
    } catch {
      // The SDK raises APIUserAbortError; the server sees the client leave.
    }
    expect(deltas).toBeGreaterThanOrEqual(3);
    expect(await idle()).toBe(true);
  });

  const errorCases: Array<[string, unknown, string, string, RegExp]> = [
    ["no input", { model: "x" }, "invalid_value", "input", /input/],
    [
      "previous_response_id",
      { input: "hi", previous_response_id: "resp_1" },
      "unsupported_parameter",
      "previous_response_id",
      /keeps no responses/,
    ],
    [
      "an image part",
      { input: [{ role: "user", content: [{ type: "input_image", image_url: "x" }] }] },
      "invalid_value",
      "input.0.content.0",
      /text only/,
    ],
    [
      "an item type the server cannot replay",
      { input: [{ type: "item_reference", id: "msg_1" }] },
      "invalid_value",
      "input.0.type",
      /item_reference/,
    ],
    [
      "a function_call_output without call_id",
      { input: [{ type: "function_call_output", output: "x" }] },
      "invalid_value",
      "input.0.call_id",
      /call_id/,
    ],
    [
      "tool_choice naming a tool not offered",
      { input: "hi", tool_choice: { type: "function", name: "nope" } },
      "invalid_value",
      "tool_choice",
      /not in tools/,
    ],
    [
      "a json_schema we cannot enforce",
      {
        input: "hi",
        text: { format: { type: "json_schema", name: "x", schema: { type: "nope" } } },
      },
      "invalid_value",
      "text.format.schema",
      /text.format/,
    ],
  ];

  test.each(errorCases)("%s is a 400 in OpenAI's shape", async (_, body, code, param, message) => {
    const response = await rawRequest(
      server,
      "/v1/responses",
      postJson(body, { authorization: "Bearer sk-test" }),
    );
    expect(response.status).toBe(400);
    const error = (response.body as { error: { code: string; param: string; message: string } })
      .error;
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  test("an over-long prompt is context_length_exceeded, which Codex matches, streamed or not", async () => {
    const input = "word ".repeat(400);
    const error = await server.client.responses
      .create({ model: "x", input, stream: true })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.code).toBe("context_length_exceeded");
    expect(apiError.param).toBe("input");
    expect(apiError.message).toMatch(/prompt is too long: \d+ tokens > 255 maximum/);
    const counted = await server.client.responses.inputTokens.count({ input });
    expect(counted.input_tokens).toBeGreaterThan(255);
  });
});
