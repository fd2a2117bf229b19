import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type OpenAI from "openai";
import type { ChainPiece, ScriptedModelSpec } from "../../src/gguf/scripted-model.ts";
import { scriptedModelPath } from "../support/test-models.ts";
import { startServer } from "./server-process.ts";

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
/** The server's extension for GLM-4.5 reasoning, which the SDK's types do not carry. */
type WithReasoning<T> = T & { reasoning_content?: string };

const ask: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
  { role: "user", content: "What is two plus two?" },
];

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function joined(chunks: Chunk[], field: "content" | "reasoning_content"): string {
  return chunks
    .map((chunk) => (chunk.choices[0]?.delta as WithReasoning<Chunk["choices"][0]["delta"]>) ?? {})
    .map((delta) => delta[field] ?? "")
    .join("");
}

interface PlainCase {
  name: string;
  model: ScriptedModelSpec;
  args?: string[];
  text: string;
}

const plainCases: PlainCase[] = [
  {
    name: "GLM-4 (detected): the leading newline is trimmed",
    model: { chain: ["\n", "Two", " plus two", " is four", "."] },
    text: "Two plus two is four.",
  },
  {
    name: 'ChatGLM3 (detected): the "\\n " prefix is trimmed',
    model: { vocabulary: "chatglm3", chain: ["\n", " Two", " plus two", " is four", "."] },
    text: "Two plus two is four.",
  },
  {
    name: "GLM-4.5: the reply after the empty think block, its newline trimmed",
    model: { vocabulary: "glm45", after: "</think>", chain: ["\n", "Two", " plus two", "."] },
    args: ["--chat-format", "glm45"],
    text: "Two plus two.",
  },
  {
    name: "GLM-4.5 without --reasoning: a think block the model writes anyway is dropped",
    model: {
      vocabulary: "glm45",
      after: "</think>",
      chain: ["<think>", "Let me", " count", "</think>", "\n", "Four", "."],
    },
    args: ["--chat-format", "glm45"],
    text: "Four.",
  },
];

describe("plain replies per chat family", () => {
  test.each(plainCases)("$name", async ({ model, args, text }) => {
    await using server = await startServer({ model, args: args ?? [] });
    const completion = await server.client.chat.completions.create({ model: "x", messages: ask });
    const message = completion.choices[0]?.message as WithReasoning<OpenAI.ChatCompletionMessage>;
    expect(message.content).toBe(text);
    expect(message.reasoning_content).toBeUndefined();
    expect(message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const chunks = await collect(
      await server.client.chat.completions.create({ model: "x", messages: ask, stream: true }),
    );
    expect(joined(chunks, "content")).toBe(text);
    expect(joined(chunks, "reasoning_content")).toBe("");
  });
});

describe("GLM-4.5 with --reasoning", () => {
  const reasoningChain: ChainPiece[] = [
    "<think>",
    "\n",
    "Two plus",
    " two",
    " makes four",
    "</think>",
    "\n",
    "The answer",
    " is 4",
    ".",
  ];
  const model: ScriptedModelSpec = { vocabulary: "glm45", chain: reasoningChain };
  const args = ["--chat-format", "glm45", "--reasoning"];

  test("reasoning_content holds the think block and content the answer", async () => {
    await using server = await startServer({ model, args });
    const completion = await server.client.chat.completions.create({ model: "x", messages: ask });
    const message = completion.choices[0]?.message as WithReasoning<OpenAI.ChatCompletionMessage>;
    expect(message.reasoning_content).toBe("Two plus two makes four");
    expect(message.content).toBe("The answer is 4.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  test("stream: reasoning deltas come before content deltas", async () => {
    await using server = await startServer({ model, args });
    const chunks = await collect(
      await server.client.chat.completions.create({ model: "x", messages: ask, stream: true }),
    );
    expect(joined(chunks, "reasoning_content")).toBe("Two plus two makes four");
    expect(joined(chunks, "content")).toBe("The answer is 4.");
    const kinds = chunks
      .map((chunk) => chunk.choices[0]?.delta as WithReasoning<Chunk["choices"][0]["delta"]>)
      .flatMap((delta) => {
        if (delta?.reasoning_content) return ["reasoning"];
        if (delta?.content) return ["content"];
        return [];
      });
    expect(kinds.indexOf("content")).toBeGreaterThan(kinds.lastIndexOf("reasoning"));
    expect(chunks.map((chunk) => JSON.stringify(chunk)).join("")).not.toContain("think>");
  });

  test("--reasoning auto follows the template, which thinks; a request can still turn it off", async () => {
    await using server = await startServer({
      model,
      args: ["--chat-format", "glm45", "--reasoning", "auto"],
    });
    const completion = await server.client.chat.completions.create({ model: "x", messages: ask });
    const message = completion.choices[0]?.message as WithReasoning<OpenAI.ChatCompletionMessage>;
    expect(message.reasoning_content).toBe("Two plus two makes four");
    const off = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      reasoning_effort: "none",
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const plain = off.choices[0]?.message as WithReasoning<OpenAI.ChatCompletionMessage>;
    expect(plain.reasoning_content).toBeUndefined();
  });
});

test("--chat-format jinja on a model without a chat template exits 2 naming --chat-format", async () => {
  const model: ScriptedModelSpec = { chain: ["\n", "Hi"], chatTemplate: null };
  const root = join(import.meta.dir, "..", "..");
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      "--model",
      scriptedModelPath(model),
      "--port",
      "0",
      "--threads",
      "1",
      "--chat-format",
      "jinja",
    ],
    { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  expect(code).toBe(2);
  expect(stdout).not.toContain("ready on");
  const mentions = stderr.split("\n").filter((line) => line.includes("--chat-format"));
  expect(mentions).toHaveLength(1);
  expect(mentions[0]).toMatch(/^glm-serve: .*chat template/);
  expect(stderr).not.toMatch(/^\s+at /m);
});

test("GLM-4.5 markup typed CONTROL still reaches the parser: reasoning and the call come back", async () => {
  // Control tokens print as nothing unless the engine is told the format reads them.
  await using server = await startServer({
    model: {
      vocabulary: "glm45",
      markupAsControl: true,
      end: "<|observation|>",
      chain: [
        "\n",
        "<think>",
        "Paris",
        "</think>",
        "\n",
        "<tool_call>",
        "get_weather",
        "\n",
        "<arg_key>",
        "city",
        "</arg_key>",
        "<arg_value>",
        "Paris",
        "</arg_value>",
        "</tool_call>",
      ],
    },
    args: ["--chat-format", "glm45", "--reasoning"],
  });
  const completion = await server.client.chat.completions.create({
    model: "x",
    messages: ask,
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      },
    ],
  });
  const message = completion.choices[0]?.message as WithReasoning<OpenAI.ChatCompletionMessage>;
  expect(message.reasoning_content).toBe("Paris");
  const call = message.tool_calls?.[0];
  expect(call?.type === "function" ? JSON.parse(call.function.arguments) : null).toEqual({
    city: "Paris",
  });
  expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
});
