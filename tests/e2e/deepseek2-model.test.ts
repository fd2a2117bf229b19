import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type OpenAI from "openai";
import { deepseek2ModelPath } from "../support/test-models.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

/**
 * GLM-4.7-Flash converts to arch `deepseek2`. A random-weight model in that layout, with the
 * published GLM-4.7-Flash template, must load in the real engine, be detected by its template
 * (not its arch), and give its thinking back as reasoning.
 */
const template = readFileSync(
  `${import.meta.dir}/../fixtures/glm-templates/glm-4.7-flash.jinja`,
  "utf8",
);

let server: ServerProcess;
let client: OpenAI;

beforeAll(async () => {
  server = await startServer({
    args: ["--model", deepseek2ModelPath(template), "--ctx-size", "2048", "--parallel", "2"],
  });
  client = server.client;
});

afterAll(async () => {
  await server.stop("SIGKILL");
});

type Message = OpenAI.Chat.Completions.ChatCompletionMessage & { reasoning_content?: string };

async function complete(extra: Record<string, unknown>): Promise<Message> {
  const completion = await client.chat.completions.create({
    model: "x",
    messages: [{ role: "user", content: "Hi" }],
    max_tokens: 12,
    temperature: 0,
    // Random weights soon pick a stop token; llama-server's extension keeps them going.
    ignore_eos: true,
    ...extra,
  } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming);
  expect(completion.choices[0]?.finish_reason).toBe("length");
  expect(completion.usage?.completion_tokens).toBe(12);
  return completion.choices[0]?.message as Message;
}

describe("a random-weight deepseek2 (GLM-4.7-Flash layout) model", () => {
  test("loads, and the start-up line names the arch and the template's format", () => {
    expect(server.readyLine).toContain("(deepseek2, glm47 format)");
  });

  test("thinking on: the reply opens inside <think>, so the noise is reasoning", async () => {
    const message = await complete({ chat_template_kwargs: { enable_thinking: true } });
    expect(message.reasoning_content?.length).toBeGreaterThan(0);
    expect(message.content ?? "").toBe("");
  });

  test("thinking off: the same model answers in content, greedily the same each time", async () => {
    const first = await complete({ reasoning_effort: "none" });
    expect(first.content?.length).toBeGreaterThan(0);
    expect(first.reasoning_content ?? "").toBe("");
    const again = await complete({ reasoning_effort: "none" });
    expect(again.content).toBe(first.content);
  });

  test("a repeated prompt reuses the MLA cache of its slot", async () => {
    const request = {
      model: "x",
      messages: [{ role: "user" as const, content: "Hello there, model" }],
      max_tokens: 4,
      temperature: 0,
      ignore_eos: true,
    } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
    const first = await client.chat.completions.create(request);
    const second = await client.chat.completions.create(request);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content ?? "-");
  });

  test("streamed and not streamed agree", async () => {
    const plain = await complete({ reasoning_effort: "none" });
    const stream = await client.chat.completions.create({
      model: "x",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 12,
      temperature: 0,
      reasoning_effort: "none",
      ignore_eos: true,
      stream: true,
    } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(plain.content ?? "");
  });
});
