import { type Static, t } from "elysia";
import { generationFields, optionalInteger, TokenLogprobSchema, Usage } from "../schemas.ts";

/** OpenAI chat request and response shapes: the one source for validation, types and docs. */
const TextPart = t.Object({ type: t.Literal("text"), text: t.String() });
const Content = t.Union([t.String(), t.Array(TextPart), t.Null()], {
  error: "content must be a string, an array of text parts, or null",
});

const ToolCallSchema = t.Object({
  id: t.String(),
  type: t.Literal("function"),
  function: t.Object({ name: t.String({ minLength: 1 }), arguments: t.String() }),
});

const Message = t.Object({
  role: t.Union(
    [
      t.Literal("system"),
      t.Literal("developer"),
      t.Literal("user"),
      t.Literal("assistant"),
      t.Literal("tool"),
    ],
    {
      error: "role must be one of system, developer, user, assistant, tool",
    },
  ),
  content: t.Optional(Content),
  name: t.Optional(t.String()),
  tool_calls: t.Optional(t.Array(ToolCallSchema)),
  tool_call_id: t.Optional(t.String()),
  reasoning_content: t.Optional(t.Union([t.String(), t.Null()])),
});

const Tool = t.Object({
  type: t.Literal("function"),
  function: t.Object({
    name: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9_.-]+$" }),
    description: t.Optional(t.String()),
    parameters: t.Optional(t.Record(t.String(), t.Unknown())),
    strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
  }),
});

const ToolChoice = t.Union([
  t.Literal("none"),
  t.Literal("auto"),
  t.Literal("required"),
  t.Object({ type: t.Literal("function"), function: t.Object({ name: t.String() }) }),
]);

const ResponseFormat = t.Union(
  [
    t.Object({ type: t.Literal("text") }),
    t.Object({ type: t.Literal("json_object") }),
    t.Object({
      type: t.Literal("json_schema"),
      json_schema: t.Object({
        name: t.String(),
        description: t.Optional(t.String()),
        schema: t.Optional(t.Unknown()),
        strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
      }),
    }),
  ],
  {
    error:
      "response_format must be {type: text}, {type: json_object} or {type: json_schema, json_schema: {name, schema}}",
  },
);

export const ChatCompletionRequest = t.Object(
  {
    ...generationFields,
    messages: t.Array(Message, { minItems: 1, error: "messages must be a non-empty array" }),
    max_completion_tokens: optionalInteger("max_completion_tokens", 1),
    tools: t.Optional(t.Union([t.Array(Tool), t.Null()])),
    tool_choice: t.Optional(t.Union([ToolChoice, t.Null()])),
    response_format: t.Optional(t.Union([ResponseFormat, t.Null()])),
    parallel_tool_calls: t.Optional(t.Union([t.Boolean(), t.Null()])),
    reasoning_effort: t.Optional(
      t.Union([t.String({ minLength: 1 }), t.Null()], {
        error: "reasoning_effort must be a string such as none, low, medium or high",
      }),
    ),
    chat_template_kwargs: t.Optional(
      t.Union([t.Object({ enable_thinking: t.Optional(t.Boolean()) }), t.Null()]),
    ),
    logprobs: t.Optional(t.Union([t.Boolean(), t.Null()])),
    top_logprobs: t.Optional(
      t.Union([t.Integer({ minimum: 0, maximum: 20 }), t.Null()], {
        error: "top_logprobs must be an integer from 0 to 20",
      }),
    ),
  },
  {
    examples: [
      {
        model: "glm-4",
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "What is GGUF?" },
        ],
        temperature: 0.7,
        max_tokens: 256,
        stream: false,
      },
      {
        model: "glm-4",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              parameters: {
                type: "object",
                properties: { city: { type: "string" } },
                required: ["city"],
              },
            },
          },
        ],
      },
    ],
  },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

export const ChatCompletion = t.Object({
  id: t.String(),
  object: t.Literal("chat.completion"),
  created: t.Integer(),
  model: t.String(),
  choices: t.Array(
    t.Object({
      index: t.Integer(),
      message: t.Object({
        role: t.Literal("assistant"),
        content: t.Union([t.String(), t.Null()]),
        reasoning_content: t.Optional(t.String()),
        tool_calls: t.Optional(t.Array(ToolCallSchema)),
      }),
      finish_reason: t.Union([t.Literal("stop"), t.Literal("length"), t.Literal("tool_calls")]),
      logprobs: t.Union([t.Object({ content: t.Array(TokenLogprobSchema) }), t.Null()]),
    }),
  ),
  usage: Usage,
});
export type ChatCompletion = Static<typeof ChatCompletion>;
