import { type Static, t } from "elysia";

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

const optionalNumber = (name: string, minimum: number, maximum: number) =>
  t.Optional(
    t.Union([t.Number({ minimum, maximum }), t.Null()], {
      error: `${name} must be a number from ${minimum} to ${maximum}`,
    }),
  );
const optionalInteger = (name: string, minimum: number) =>
  t.Optional(
    t.Union([t.Integer({ minimum }), t.Null()], {
      error: `${name} must be an integer of at least ${minimum}`,
    }),
  );

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

/** Fields both completion routes take: sampling, streaming and stops. */
const generationFields = {
  model: t.Optional(t.String()),
  temperature: optionalNumber("temperature", 0, 2),
  top_p: optionalNumber("top_p", 0, 1),
  max_tokens: optionalInteger("max_tokens", 1),
  stream: t.Optional(t.Union([t.Boolean(), t.Null()])),
  stream_options: t.Optional(
    t.Union([t.Object({ include_usage: t.Optional(t.Boolean()) }), t.Null()]),
  ),
  stop: t.Optional(
    t.Union([t.String(), t.Array(t.String({ minLength: 1 }), { maxItems: 4 }), t.Null()], {
      error: "stop must be a string or an array of up to 4 non-empty strings",
    }),
  ),
  seed: t.Optional(t.Union([t.Integer(), t.Null()])),
  presence_penalty: optionalNumber("presence_penalty", -2, 2),
  frequency_penalty: optionalNumber("frequency_penalty", -2, 2),
  n: optionalInteger("n", 1),
  user: t.Optional(t.String()),
  // llama-server's sampling extensions.
  top_k: optionalInteger("top_k", 0),
  min_p: optionalNumber("min_p", 0, 1),
  repeat_penalty: t.Optional(
    t.Union([t.Number({ exclusiveMinimum: 0, maximum: 10 }), t.Null()], {
      error: "repeat_penalty must be a number above 0 and at most 10",
    }),
  ),
  ignore_eos: t.Optional(t.Boolean()),
};

export const ChatCompletionRequest = t.Object(
  {
    ...generationFields,
    messages: t.Array(Message, { minItems: 1, error: "messages must be a non-empty array" }),
    max_completion_tokens: optionalInteger("max_completion_tokens", 1),
    tools: t.Optional(t.Union([t.Array(Tool), t.Null()])),
    tool_choice: t.Optional(t.Union([ToolChoice, t.Null()])),
    response_format: t.Optional(t.Union([ResponseFormat, t.Null()])),
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

/** Legacy completions: raw prompt text in, text out; the prompt may contain special tokens. */
export const TextCompletionRequest = t.Object(
  {
    ...generationFields,
    prompt: t.Union([t.String(), t.Array(t.String(), { minItems: 1, maxItems: 1 })], {
      error: "prompt must be a string (or an array holding one string)",
    }),
  },
  {
    examples: [
      { model: "glm-4", prompt: "[gMASK]<sop><|user|>\nHello<|assistant|>", max_tokens: 32 },
    ],
  },
);
export type TextCompletionRequest = Static<typeof TextCompletionRequest>;

export const ModelObject = t.Object({
  id: t.String(),
  object: t.Literal("model"),
  created: t.Integer(),
  owned_by: t.String(),
});

export const ModelList = t.Object({ object: t.Literal("list"), data: t.Array(ModelObject) });

export const ErrorBody = t.Object({
  error: t.Object({
    message: t.String(),
    type: t.String(),
    param: t.Union([t.String(), t.Null()]),
    code: t.Union([t.String(), t.Null()]),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

const Usage = t.Object({
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  total_tokens: t.Integer(),
  prompt_tokens_details: t.Optional(t.Object({ cached_tokens: t.Integer() })),
});

const TopLogprob = t.Object({
  token: t.String(),
  logprob: t.Number(),
  bytes: t.Array(t.Integer()),
});
const TokenLogprobSchema = t.Object({
  token: t.String(),
  logprob: t.Number(),
  bytes: t.Array(t.Integer()),
  top_logprobs: t.Array(TopLogprob),
});
export type TokenLogprobEntry = Static<typeof TokenLogprobSchema>;

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
export type Usage = Static<typeof Usage>;

export const Health = t.Object({ status: t.String() });
