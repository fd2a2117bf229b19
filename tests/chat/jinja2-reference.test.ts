import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { renderChatGlm3Prompt } from "../../src/chat/chatglm3.ts";
import { renderGlm4Prompt } from "../../src/chat/glm4.ts";
import { createGlm40414Format } from "../../src/chat/glm4-0414.ts";
import { renderGlm45Prompt } from "../../src/chat/glm45.ts";
import { createGlm47Format } from "../../src/chat/glm47.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.ts";
import { officialTemplate } from "./template-fixtures.ts";

/**
 * Our prompts against Python Jinja2's rendering of each published template (as transformers
 * renders it), stored by tests/fixtures/rendered/render-with-jinja2.py: an implementation that
 * is not ours, so a bug in our renderer or in @huggingface/jinja shows here.
 */
const folder = `${import.meta.dir}/../fixtures/rendered`;
const reference = JSON.parse(readFileSync(`${folder}/jinja2.json`, "utf8")) as Record<
  string,
  string
>;
const data = JSON.parse(readFileSync(`${folder}/conversations.json`, "utf8")) as {
  tools: ToolDefinition[];
  conversations: Record<string, ChatMessage[]>;
};

type Render = (messages: ChatMessage[], tools: ToolDefinition[], reasoning: boolean) => string;

const glm47 = (version: string): Render => {
  const format = createGlm47Format({ chatTemplate: officialTemplate(version) });
  return (messages, tools, reasoning) =>
    promptToText(format.render(messages, { tools, reasoning }));
};
const glm45: Render = (messages, tools, reasoning) =>
  promptToText(renderGlm45Prompt(messages, { tools, reasoning }));

const glm4: Render = (messages, tools) => promptToText(renderGlm4Prompt(messages, { tools }));

const glm40414 = (version: string): Render => {
  const format = createGlm40414Format({ chatTemplate: officialTemplate(version) });
  return (messages, tools, reasoning) =>
    promptToText(format.render(messages, { tools, reasoning }));
};
const chatglm3: Render = (messages) => promptToText(renderChatGlm3Prompt(messages, {}));

const renderers: Record<string, Render> = {
  "chatglm3-6b": chatglm3,
  "glm-4-9b-chat": glm4,
  "glm-4-0414": glm40414("glm-4-0414"),
  "glm-z1-0414": glm40414("glm-z1-0414"),
  "glm-4.5": glm45,
  "glm-4.6": glm45,
  "glm-4.7": glm47("glm-4.7"),
  "glm-4.7-flash": glm47("glm-4.7-flash"),
  "glm-5": glm47("glm-5"),
  "glm-5.1": glm47("glm-5.1"),
  "glm-5.2": glm47("glm-5.2"),
  "glm-5.3-flash": glm47("glm-5.3-flash"),
};

describe.each(Object.keys(renderers))("%s", (version) => {
  const render = renderers[version] as Render;
  for (const [name, messages] of Object.entries(data.conversations)) {
    for (const tools of [false, true]) {
      for (const thinking of [true, false]) {
        const key = `${version} | ${name} | tools ${tools ? "True" : "False"} | thinking ${thinking ? "True" : "False"}`;
        // ChatGLM3's template has no tools (its Python code renders them), so it is compared
        // only on conversations without any.
        const toolFree = !tools && messages.every((m) => m.role !== "tool" && !m.tool_calls);
        if (version === "chatglm3-6b" && !toolFree) continue;
        test(`${name}, tools ${tools}, thinking ${thinking}`, () => {
          const expected = reference[key];
          expect(expected).toBeString();
          expect(render(messages, tools ? data.tools : [], thinking)).toBe(expected as string);
        });
      }
    }
  }
});
