import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { type ServerProcess, startServer } from "./server-process.ts";
import { getWeather } from "./tool-families.ts";

/** A published template; detection goes by its markers, not the arch. */
const template = (version: string) =>
  readFileSync(`${import.meta.dir}/../fixtures/glm-templates/${version}.jinja`, "utf8");

describe.each(["glm-4.7", "glm-5.2"])(
  "%s (template-detected): reasoning, then a compact tool call",
  (version) => {
    let server: ServerProcess;
    beforeAll(async () => {
      // With thinking on the prompt ends in "<think>"; off, in "</think>", where the chain goes on.
      server = await startServer({
        model: {
          vocabulary: "glm45",
          chatTemplate: template(version),
          after: "<think>",
          end: "<|observation|>",
          chain: [
            "Let me",
            " check",
            "</think>",
            "<tool_call>",
            "get_weather",
            "<arg_key>",
            "city",
            "</arg_key>",
            "<arg_value>",
            "Paris",
            "</arg_value>",
            "</tool_call>",
          ],
        },
      });
    });
    afterAll(async () => {
      await server.stop("SIGKILL");
    });

    const messages = [{ role: "user" as const, content: "Weather in Paris?" }];

    test("Chat Completions: enable_thinking gives reasoning_content and the call", async () => {
      const body = {
        model: "x",
        messages,
        tools: [getWeather],
        chat_template_kwargs: { enable_thinking: true },
      };
      const completion = await server.client.chat.completions.create(
        body as Parameters<typeof server.client.chat.completions.create>[0] & { stream?: false },
      );
      const message = completion.choices[0]?.message as {
        reasoning_content?: string;
      } & (typeof completion.choices)[0]["message"];
      expect(message.reasoning_content).toBe("Let me check");
      expect(message.content ?? "").toBe("");
      const fn = message.tool_calls?.[0];
      expect(
        fn?.type === "function" ? [fn.function.name, JSON.parse(fn.function.arguments)] : [],
      ).toEqual(["get_weather", { city: "Paris" }]);
      expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    });

    test("thinking off: the prompt closes the block and the call comes alone", async () => {
      const completion = await server.client.chat.completions.create({
        model: "x",
        messages,
        tools: [getWeather],
        reasoning_effort: "none",
      } as Parameters<typeof server.client.chat.completions.create>[0] & { stream?: false });
      const message = completion.choices[0]?.message as {
        reasoning_content?: string;
      } & (typeof completion.choices)[0]["message"];
      expect(message.reasoning_content).toBeUndefined();
      expect(message.tool_calls?.length).toBe(1);
    });

    test("Messages: a thinking block and a tool_use block", async () => {
      const client = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
      const message = await client.messages.create({
        model: "x",
        max_tokens: 200,
        messages,
        thinking: { type: "enabled", budget_tokens: 1024 },
        tools: [
          {
            name: "get_weather",
            input_schema: getWeather.function.parameters as Anthropic.Messages.Tool.InputSchema,
          },
        ],
      });
      expect(message.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
      expect(message.content[1]).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
      expect(message.stop_reason).toBe("tool_use");
    });

    test("Responses: a reasoning item and a function_call item", async () => {
      const response = await server.client.responses.create({
        model: "x",
        input: "Weather in Paris?",
        reasoning: { effort: "high" },
        tools: [
          {
            type: "function",
            name: "get_weather",
            parameters: getWeather.function.parameters ?? null,
            strict: false,
          },
        ],
      });
      expect(response.output.map((item) => item.type)).toEqual(["reasoning", "function_call"]);
      const call = response.output[1];
      expect(call?.type === "function_call" ? JSON.parse(call.arguments) : null).toEqual({
        city: "Paris",
      });
    });
  },
);

describe("GLM-Z1-0414 (template-detected): reasoning, then a GLM-4 call", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    // Z1's template ends every prompt in "<|assistant|>\n<think>".
    server = await startServer({
      model: {
        vocabulary: "glm45",
        chatTemplate: template("glm-z1-0414"),
        after: "<think>",
        end: "<|observation|>",
        chain: ["Paris", " it is", "</think>", "\n", "get_weather", "\n", '{"city": "Paris"}'],
      },
      args: ["--reasoning", "auto"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("reasoning_content, then the call; streamed and not agree", async () => {
    const request = {
      model: "x",
      messages: [{ role: "user" as const, content: "Weather?" }],
      tools: [getWeather],
    };
    const completion = await server.client.chat.completions.create(request);
    const message = completion.choices[0]?.message as {
      reasoning_content?: string;
    } & (typeof completion.choices)[0]["message"];
    expect(message.reasoning_content).toBe("Paris it is");
    const fn = message.tool_calls?.[0];
    expect(fn?.type === "function" ? JSON.parse(fn.function.arguments) : null).toEqual({
      city: "Paris",
    });
    const final = await server.client.chat.completions.stream(request).finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === "function" ? streamed.function.arguments : "").toBe(
      fn?.type === "function" ? fn.function.arguments : "-",
    );
  });
});
