import { describe, expect, test } from "bun:test";
import { createChatFormat } from "../../src/chat/chat-format.ts";
import type { ChatFamily } from "../../src/chat/types.ts";

describe("createChatFormat", () => {
  const families: ChatFamily[] = ["glm4", "chatglm3", "glm45"];
  for (const family of families) {
    test(`${family} needs no template`, () => {
      expect(createChatFormat(family, { chatTemplate: null }).family).toBe(family);
    });
  }

  test("jinja uses the model template", () => {
    const format = createChatFormat("jinja", { chatTemplate: "{{ messages[0].content }}" });
    expect(format.render([{ role: "user", content: "x" }], {})).toEqual([{ templated: "x" }]);
  });

  test("jinja without a template names --chat-format", () => {
    expect(() => createChatFormat("jinja", { chatTemplate: null })).toThrow("--chat-format");
  });
});
