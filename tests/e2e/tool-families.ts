import { afterAll, beforeAll } from "bun:test";
import type OpenAI from "openai";
import type { ChainPiece, ScriptedModelSpec } from "../../src/gguf/scripted-model.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

/** The three GLM tool-call formats as scripted models write them; every protocol's tests use them. */

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export const getWeather: OpenAI.Chat.Completions.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather forecast for a city",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string" },
        days: { type: "integer" },
        opts: { type: "object", properties: { unit: { type: "string" } } },
      },
      required: ["city"],
    },
  },
};

export const ask: Message[] = [{ role: "user", content: "What is the weather like?" }];

/** Markup that must never reach a client as content when a tool call parsed. */
export const MARKUP = /<\||\|>|<\/?tool_call>|<\/?arg_key>|<\/?arg_value>|<\/?think>|```/;

export interface Family {
  name: string;
  vocabulary: "glm4" | "chatglm3" | "glm45";
  /** The prompt's last token, where the scripted reply starts. */
  after?: string;
  args?: string[];
  /** A tool call as the family writes it, one token per piece. */
  call: ChainPiece[];
  expected: Record<string, unknown>;
  /** A tool call cut off inside its arguments. */
  malformed: ChainPiece[];
  /**
   * Whether a call cut short is still a call, with the arguments it completed: GLM-4.5's starts
   * at its name and GLM-4's at the object's `{`; ChatGLM3's starts at its first whole argument,
   * so a cut before one is content.
   */
  cutCallIsCall: boolean;
  /** A plain reply, and the content clients should see. */
  reply: ChainPiece[];
  replyText: string;
}

export const families: Family[] = [
  {
    name: "GLM-4",
    vocabulary: "glm4",
    call: ["get", "_weather", "\n", '{"city": ', '"北京"', ', "opts": ', '{"unit": "c"}', "}"],
    expected: { city: "北京", opts: { unit: "c" } },
    malformed: ["get_weather", "\n", '{"city": '],
    cutCallIsCall: true,
    reply: ["\n", "It is", " sunny", " in Paris", "."],
    replyText: "It is sunny in Paris.",
  },
  {
    name: "ChatGLM3",
    vocabulary: "chatglm3",
    call: ["get_weather", "\n", "```python", "\ntool_call(", "city='Paris'", ", days=3", ")\n```"],
    expected: { city: "Paris", days: 3 },
    malformed: ["get_weather", "\n", "```python", "\ntool_call(city="],
    cutCallIsCall: false,
    reply: ["\n", " It is", " sunny", " in Paris", "."],
    replyText: "It is sunny in Paris.",
  },
  {
    name: "GLM-4.5",
    vocabulary: "glm45",
    after: "</think>",
    args: ["--chat-format", "glm45"],
    // Repeated markers merge into their predecessor's token, which the parser reads as text.
    call: [
      "\n",
      "<tool_call>",
      "get_weather",
      "\n<arg_key>",
      "city",
      "</arg_key>",
      "<arg_value>",
      "北京",
      "</arg_value>",
      "<arg_key>",
      "opts",
      "</arg_key>",
      "<arg_value>",
      '{"unit": "c"}',
      "</arg_value>",
      "</tool_call>",
    ],
    expected: { city: "北京", opts: { unit: "c" } },
    malformed: ["\n", "<tool_call>", "get_weather", "\n", "<arg_key>", "city", "</arg_key>"],
    cutCallIsCall: true,
    reply: ["\n", "It is", " sunny", " in Paris", "."],
    replyText: "It is sunny in Paris.",
  },
];

export function modelOf(
  family: Family,
  chain: ChainPiece[],
  end?: "<|observation|>",
): ScriptedModelSpec {
  return {
    vocabulary: family.vocabulary,
    chain,
    ...(family.after ? { after: family.after } : {}),
    ...(end ? { end } : {}),
  };
}

/**
 * A GLM-4.5 model that thinks, then answers. With thinking on the prompt ends at <|assistant|>
 * and the reply opens the think block; with it off the prompt ends in "<think></think>", and
 * the chain goes on from its "</think>" with the answer alone.
 */
export const thinkingModel: ScriptedModelSpec = {
  vocabulary: "glm45",
  chain: ["\n<think>", "Let me", " think", "</think>", "\nIt is", " sunny"],
};

/** GLM-4.5 content, then two calls (Paris, then Rome); repeats merge into bigger tokens. */
export const twoCallModel: ScriptedModelSpec = {
  vocabulary: "glm45",
  after: "</think>",
  end: "<|observation|>",
  chain: [
    "\n",
    "Let me",
    " check",
    ".",
    "\n<tool_call>",
    "get_weather",
    "\n<arg_key>",
    "city",
    "</arg_key>",
    "<arg_value>",
    "Paris",
    "</arg_value>",
    "</tool_call>",
    "\n<tool_call>",
    "get_weather",
    "\n<arg_key>",
    "city",
    "</arg_key>",
    "<arg_value>",
    "Rome",
    "</arg_value>",
    "</tool_call>",
  ],
};

/**
 * Starts, for the describe block that calls it, one server whose model makes the family's tool
 * call and one whose model gives its plain reply; both stop when the block ends.
 */
export function familyServers(family: Family): {
  caller: () => ServerProcess;
  replier: () => ServerProcess;
} {
  let caller: ServerProcess | undefined;
  let replier: ServerProcess | undefined;
  beforeAll(async () => {
    const args = family.args ?? [];
    [caller, replier] = await Promise.all([
      startServer({ model: modelOf(family, family.call, "<|observation|>"), args }),
      startServer({ model: modelOf(family, family.reply), args }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([caller, replier].map((server) => server?.stop("SIGKILL")));
  });
  const started = (server: ServerProcess | undefined) => {
    if (!server) throw new Error("the family's servers did not start");
    return server;
  };
  return { caller: () => started(caller), replier: () => started(replier) };
}
