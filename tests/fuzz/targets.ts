/** One route under fuzzing: a valid request setting every field, and how its answers look. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;

export interface FuzzTarget {
  name: string;
  path: string;
  /** A request the server must answer with 200; it holds the text "be brief". */
  valid(): { [key: string]: Json };
  /** Every field of `valid()`, nested ones included. */
  fields: Path[];
  /** The conversation's field, and a text inside it that may be made huge. */
  conversationPath: Path;
  textPath: Path;
  /** A replacement conversation that is still valid (Responses takes a string input). */
  acceptsConversation?: (value: Json) => boolean;
  /** Where the one tool's JSON Schema sits. */
  toolSchemaPath: Path;
  /** Why a 200 answer is not a whole reply of this protocol, or undefined. */
  successProblem(contentType: string, text: string): string | undefined;
  /** Why an error body is not exactly this protocol's error shape, or undefined. */
  errorShapeProblem(body: unknown): string | undefined;
  /** The error's code (or type) for the outcome table. */
  errorLabel(body: unknown): string;
  /** The reply text of a 200 answer to `valid()`. */
  replyText(body: unknown): string | undefined;
}

/** A request the server must answer with 200: every optional field set, and a tool round trip. */
function chatRequest(): { [key: string]: Json } {
  return {
    model: "x",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: "what is the weather in Paris?", name: "ann" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
      { role: "user", content: [{ type: "text", text: "thanks" }] },
    ],
    temperature: 0,
    top_p: 1,
    max_tokens: 4,
    max_completion_tokens: 4,
    stream: false,
    stream_options: { include_usage: true },
    stop: ["zzz"],
    seed: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    n: 1,
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "the weather in a city",
          parameters: { type: "object", properties: { city: { type: "string" } } },
          strict: false,
        },
      },
    ],
    tool_choice: "auto",
    user: "fuzz",
    top_k: 40,
    min_p: 0.05,
    repeat_penalty: 1,
    ignore_eos: false,
  };
}

/** Every field of `validRequest`, nested ones included. */
const CHAT_FIELDS: Path[] = [
  ["model"],
  ["messages"],
  ["messages", 0],
  ["messages", 0, "role"],
  ["messages", 1, "content"],
  ["messages", 1, "name"],
  ["messages", 2, "content"],
  ["messages", 2, "tool_calls"],
  ["messages", 2, "tool_calls", 0],
  ["messages", 2, "tool_calls", 0, "id"],
  ["messages", 2, "tool_calls", 0, "type"],
  ["messages", 2, "tool_calls", 0, "function"],
  ["messages", 2, "tool_calls", 0, "function", "name"],
  ["messages", 2, "tool_calls", 0, "function", "arguments"],
  ["messages", 3, "tool_call_id"],
  ["messages", 3, "content"],
  ["messages", 4, "content"],
  ["messages", 4, "content", 0],
  ["messages", 4, "content", 0, "type"],
  ["messages", 4, "content", 0, "text"],
  ["temperature"],
  ["top_p"],
  ["max_tokens"],
  ["max_completion_tokens"],
  ["stream"],
  ["stream_options"],
  ["stream_options", "include_usage"],
  ["stop"],
  ["stop", 0],
  ["seed"],
  ["presence_penalty"],
  ["frequency_penalty"],
  ["n"],
  ["tools"],
  ["tools", 0],
  ["tools", 0, "type"],
  ["tools", 0, "function"],
  ["tools", 0, "function", "name"],
  ["tools", 0, "function", "description"],
  ["tools", 0, "function", "parameters"],
  ["tools", 0, "function", "strict"],
  ["tool_choice"],
  ["user"],
  ["top_k"],
  ["min_p"],
  ["repeat_penalty"],
  ["ignore_eos"],
];

/** OpenAI's `{error:{message,type,param,code}}` and nothing else. */
function openAiErrorProblem(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return "error body is not a JSON object";
  if (Object.keys(body).join() !== "error") return `error body keys: ${Object.keys(body)}`;
  const error = (body as { error: Record<string, unknown> }).error;
  if (typeof error !== "object" || error === null) return "error is not an object";
  const keys = Object.keys(error).sort().join();
  if (keys !== "code,message,param,type") return `error keys: ${keys}`;
  if (typeof error.message !== "string" || error.message === "") return "empty message";
  if (typeof error.type !== "string") return "type is not a string";
  if (error.param !== null && typeof error.param !== "string") return "param not string|null";
  if (error.code !== null && typeof error.code !== "string") return "code not string|null";
  return undefined;
}

const openAiErrorLabel = (body: unknown) =>
  String((body as { error?: { code?: unknown } } | undefined)?.error?.code ?? "");

/** A whole JSON body of `object`, or a whole stream whose last event `ends` accepts. */
function wholeReply(
  contentType: string,
  text: string,
  isBody: (body: Record<string, unknown>) => boolean,
  ends: (lastData: string) => boolean,
  what: string,
): string | undefined {
  if (contentType.startsWith("text/event-stream")) {
    const last = text.trimEnd().split("\n").at(-1) ?? "";
    return ends(last.replace(/^data: /, ""))
      ? undefined
      : `stream ended with ${last.slice(0, 120)}`;
  }
  try {
    return isBody(JSON.parse(text))
      ? undefined
      : `200 body is not a whole ${what}: ${text.slice(0, 200)}`;
  } catch {
    return `200 body is not JSON: ${text.slice(0, 200)}`;
  }
}

const typeOfLast = (data: string) => {
  try {
    return (JSON.parse(data) as { type?: string }).type;
  } catch {
    return undefined;
  }
};

export const CHAT_COMPLETIONS: FuzzTarget = {
  name: "Chat Completions",
  path: "/v1/chat/completions",
  valid: chatRequest,
  fields: CHAT_FIELDS,
  conversationPath: ["messages"],
  textPath: ["messages", 1, "content"],
  toolSchemaPath: ["tools", 0, "function", "parameters"],
  successProblem: (contentType, text) =>
    wholeReply(
      contentType,
      text,
      (body) => body.object === "chat.completion" && (body.choices as unknown[])?.length === 1,
      (last) => last === "[DONE]",
      "chat.completion",
    ),
  errorShapeProblem: openAiErrorProblem,
  errorLabel: openAiErrorLabel,
  replyText: (body) =>
    (body as { choices?: Array<{ message: { content: string } }> }).choices?.[0]?.message.content,
};

function messagesRequest(): { [key: string]: Json } {
  return {
    model: "claude-x",
    max_tokens: 4,
    system: "be brief",
    messages: [
      { role: "user", content: "what is the weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "look it up", signature: "" },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny", is_error: false },
          { type: "text", text: "thanks" },
        ],
      },
    ],
    tools: [
      {
        name: "get_weather",
        description: "the weather in a city",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      },
    ],
    tool_choice: { type: "auto" },
    stop_sequences: ["zzz"],
    temperature: 0,
    top_p: 1,
    top_k: 40,
    metadata: { user_id: "fuzz" },
    thinking: { type: "disabled" },
    stream: false,
  };
}

export const MESSAGES: FuzzTarget = {
  name: "Anthropic Messages",
  path: "/v1/messages",
  valid: messagesRequest,
  fields: [
    ["model"],
    ["max_tokens"],
    ["system"],
    ["messages"],
    ["messages", 0],
    ["messages", 0, "role"],
    ["messages", 0, "content"],
    ["messages", 1, "content"],
    ["messages", 1, "content", 0, "thinking"],
    ["messages", 1, "content", 1],
    ["messages", 1, "content", 1, "type"],
    ["messages", 1, "content", 1, "id"],
    ["messages", 1, "content", 1, "name"],
    ["messages", 1, "content", 1, "input"],
    ["messages", 2, "content", 0, "tool_use_id"],
    ["messages", 2, "content", 0, "content"],
    ["messages", 2, "content", 0, "is_error"],
    ["messages", 2, "content", 1, "text"],
    ["tools"],
    ["tools", 0, "name"],
    ["tools", 0, "description"],
    ["tools", 0, "input_schema"],
    ["tool_choice"],
    ["tool_choice", "type"],
    ["stop_sequences"],
    ["stop_sequences", 0],
    ["temperature"],
    ["top_p"],
    ["top_k"],
    ["metadata"],
    ["thinking"],
    ["thinking", "type"],
    ["stream"],
  ],
  conversationPath: ["messages"],
  textPath: ["messages", 0, "content"],
  toolSchemaPath: ["tools", 0, "input_schema"],
  successProblem: (contentType, text) =>
    wholeReply(
      contentType,
      text,
      (body) => body.type === "message" && Array.isArray(body.content),
      (last) => typeOfLast(last) === "message_stop",
      "message",
    ),
  errorShapeProblem: (body) => {
    if (typeof body !== "object" || body === null) return "error body is not a JSON object";
    if (Object.keys(body).sort().join() !== "error,type")
      return `error body keys: ${Object.keys(body)}`;
    const { type, error } = body as { type: unknown; error: Record<string, unknown> };
    if (type !== "error") return "type is not 'error'";
    if (typeof error !== "object" || error === null) return "error is not an object";
    if (Object.keys(error).sort().join() !== "message,type")
      return `error keys: ${Object.keys(error)}`;
    if (typeof error.message !== "string" || error.message === "") return "empty message";
    return typeof error.type === "string" ? undefined : "error type is not a string";
  },
  errorLabel: (body) =>
    String((body as { error?: { type?: unknown } } | undefined)?.error?.type ?? ""),
  replyText: (body) => (body as { content?: Array<{ text?: string }> }).content?.[0]?.text,
};

function responsesRequest(): { [key: string]: Json } {
  return {
    model: "gpt-x",
    instructions: "be brief",
    input: [
      { role: "user", content: [{ type: "input_text", text: "what is the weather in Paris?" }] },
      { type: "reasoning", summary: [{ type: "summary_text", text: "look it up" }] },
      {
        type: "function_call",
        call_id: "call_1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      },
      { type: "function_call_output", call_id: "call_1", output: "sunny" },
      { type: "message", role: "user", content: "thanks" },
    ],
    tools: [
      {
        type: "function",
        name: "get_weather",
        description: "the weather in a city",
        parameters: { type: "object", properties: { city: { type: "string" } } },
        strict: false,
      },
      { type: "web_search" },
    ],
    tool_choice: "auto",
    parallel_tool_calls: true,
    max_output_tokens: 4,
    temperature: 0,
    top_p: 1,
    reasoning: { effort: "none" },
    text: { format: { type: "text" } },
    store: false,
    metadata: {},
    stream: false,
  };
}

export const RESPONSES: FuzzTarget = {
  name: "OpenAI Responses",
  path: "/v1/responses",
  valid: responsesRequest,
  fields: [
    ["model"],
    ["instructions"],
    ["input"],
    ["input", 0],
    ["input", 0, "role"],
    ["input", 0, "content"],
    ["input", 0, "content", 0, "type"],
    ["input", 0, "content", 0, "text"],
    ["input", 1, "summary"],
    ["input", 2, "type"],
    ["input", 2, "call_id"],
    ["input", 2, "name"],
    ["input", 2, "arguments"],
    ["input", 3, "call_id"],
    ["input", 3, "output"],
    ["input", 4, "content"],
    ["tools"],
    ["tools", 0, "type"],
    ["tools", 0, "name"],
    ["tools", 0, "parameters"],
    ["tools", 1],
    ["tool_choice"],
    ["parallel_tool_calls"],
    ["max_output_tokens"],
    ["temperature"],
    ["top_p"],
    ["reasoning"],
    ["reasoning", "effort"],
    ["text"],
    ["text", "format"],
    ["store"],
    ["metadata"],
    ["stream"],
  ],
  conversationPath: ["input"],
  acceptsConversation: (value) =>
    typeof value === "string" || (Array.isArray(value) && value.length === 0),
  textPath: ["input", 0, "content", 0, "text"],
  toolSchemaPath: ["tools", 0, "parameters"],
  successProblem: (contentType, text) =>
    wholeReply(
      contentType,
      text,
      (body) => body.object === "response" && Array.isArray(body.output),
      (last) => ["response.completed", "response.incomplete"].includes(typeOfLast(last) ?? ""),
      "response",
    ),
  errorShapeProblem: openAiErrorProblem,
  errorLabel: openAiErrorLabel,
  replyText: (body) =>
    (body as { output?: Array<{ content?: Array<{ text?: string }> }> }).output?.[0]?.content?.[0]
      ?.text,
};

export const TARGETS = [CHAT_COMPLETIONS, MESSAGES, RESPONSES];
