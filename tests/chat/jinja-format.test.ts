import { describe, expect, test } from "bun:test";
import { createJinjaFormat } from "../../src/chat/jinja-format.ts";
import { feed } from "./reply-harness.ts";

const TEMPLATE =
  "{{ bos_token }}{% if tools %}[tools:{{ tools | length }}]{% endif %}{% for m in messages %}" +
  "<|{{ m.role }}|>{{ m.content }}{% for c in m.tool_calls or [] %}" +
  "[{{ c.function.name }} {{ c.function.arguments.city }}]{% endfor %}{{ eos_token }}{% endfor %}" +
  "{% if add_generation_prompt %}<|assistant|>{% endif %}";

describe("createJinjaFormat", () => {
  const format = createJinjaFormat({ chatTemplate: TEMPLATE, bosText: "<s>", eosText: "</s>" });

  test("renders the model's template into one templated part", () => {
    const parts = format.render([{ role: "user", content: "Hi" }], {});
    expect(parts).toEqual([{ templated: "<s><|user|>Hi</s><|assistant|>" }]);
  });

  test("passes tools and tool-call arguments as objects", () => {
    const parts = format.render(
      [
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "c1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city": "Paris"}' },
            },
          ],
        },
      ],
      { tools: [{ type: "function", function: { name: "get_weather" } }] },
    );
    expect(parts).toEqual([
      { templated: "<s>[tools:1]<|assistant|>[get_weather Paris]</s><|assistant|>" },
    ]);
  });

  test("replies are plain content", () => {
    const parser = format.createReplyParser({});
    expect(feed(parser, ["<tool_call>x", "</tool_call>"])).toEqual({
      content: "<tool_call>x</tool_call>",
      calls: [],
    });
    expect(parser.sawToolCall).toBe(false);
    expect(format.stopTokens).toEqual([]);
  });
});
