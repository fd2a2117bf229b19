import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import { streamText } from "ai";
import { type ServerProcess, startServer } from "./server-process.ts";

const chain = ["\n", "Streaming", " works", " from", " GLM", "."];
const reply = chain.slice(1).join("");

describe("clients beyond the openai SDK", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ model: { chain } });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("the Vercel AI SDK streams the reply with streamText", async () => {
    const glm = createOpenAICompatible({ name: "glm", baseURL: `${server.url}/v1` });
    const result = streamText({ model: glm("glm"), prompt: "hi" });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    expect(parts.join("")).toBe(reply);
    expect(parts.length).toBeGreaterThan(1);
    expect(await result.finishReason).toBe("stop");
  });

  test("LangChain's ChatOpenAI streams the reply", async () => {
    const model = new ChatOpenAI({
      model: "glm",
      apiKey: "x",
      configuration: { baseURL: `${server.url}/v1` },
      maxRetries: 0,
    });
    const parts: string[] = [];
    for await (const chunk of await model.stream("hi")) {
      if (typeof chunk.content === "string") parts.push(chunk.content);
    }
    expect(parts.join("")).toBe(reply);
    expect(parts.filter(Boolean).length).toBeGreaterThan(1);
  });
});
