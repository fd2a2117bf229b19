import { type Static, t } from "elysia";
import { optionalInteger, optionalNumber } from "../schemas.ts";

/** OpenAI Responses request shapes: the one source for validation, types and docs. */

/** A content part; its type is checked in to-conversation.ts, so an image gets a clear error. */
const ContentPart = t.Object({ type: t.String(), text: t.Optional(t.String()) });
export type ContentPart = Static<typeof ContentPart>;

/** One input item; which fields it needs depends on its type, checked in to-conversation.ts. */
const InputItem = t.Object({
  type: t.Optional(t.String()),
  role: t.Optional(t.String()),
  content: t.Optional(t.Union([t.String(), t.Array(ContentPart), t.Null()])),
  id: t.Optional(t.Union([t.String(), t.Null()])),
  call_id: t.Optional(t.String()),
  name: t.Optional(t.String()),
  arguments: t.Optional(t.String()),
  output: t.Optional(t.Union([t.String(), t.Array(ContentPart)])),
  summary: t.Optional(t.Array(ContentPart)),
});
export type InputItem = Static<typeof InputItem>;

/** Every tool type is accepted; only `function` tools reach the model (see to-conversation.ts). */
const Tool = t.Object({
  type: t.String(),
  name: t.Optional(t.String()),
  description: t.Optional(t.Union([t.String(), t.Null()])),
  parameters: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
  strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
});
export type ResponsesTool = Static<typeof Tool>;

const ToolChoice = t.Union(
  [
    t.Literal("none"),
    t.Literal("auto"),
    t.Literal("required"),
    t.Object({ type: t.Literal("function"), name: t.String() }),
  ],
  { error: "tool_choice must be none, auto, required or {type: function, name}" },
);

const TextFormat = t.Union(
  [
    t.Object({ type: t.Literal("text") }),
    t.Object({ type: t.Literal("json_object") }),
    t.Object({
      type: t.Literal("json_schema"),
      name: t.Optional(t.String()),
      schema: t.Unknown(),
      description: t.Optional(t.String()),
      strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
    }),
  ],
  { error: "text.format must be {type: text}, {type: json_object} or {type: json_schema, schema}" },
);

const conversationFields = {
  model: t.Optional(t.String()),
  input: t.Union([t.String(), t.Array(InputItem)], {
    error: "input must be a string or an array of input items",
  }),
  instructions: t.Optional(t.Union([t.String(), t.Null()])),
  tools: t.Optional(t.Union([t.Array(Tool), t.Null()])),
  tool_choice: t.Optional(t.Union([ToolChoice, t.Null()])),
  parallel_tool_calls: t.Optional(t.Union([t.Boolean(), t.Null()])),
  reasoning: t.Optional(
    t.Union([
      t.Object({
        effort: t.Optional(t.Union([t.String(), t.Null()])),
        summary: t.Optional(t.Union([t.String(), t.Null()])),
      }),
      t.Null(),
    ]),
  ),
  previous_response_id: t.Optional(t.Union([t.String(), t.Null()])),
};

export const ResponsesRequest = t.Object(
  {
    ...conversationFields,
    max_output_tokens: optionalInteger("max_output_tokens", 1),
    temperature: optionalNumber("temperature", 0, 2),
    top_p: optionalNumber("top_p", 0, 1),
    stream: t.Optional(t.Union([t.Boolean(), t.Null()])),
    store: t.Optional(t.Union([t.Boolean(), t.Null()])),
    text: t.Optional(t.Union([t.Object({ format: t.Optional(TextFormat) }), t.Null()])),
    metadata: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
  },
  {
    examples: [
      { model: "glm-4.5", instructions: "Be brief.", input: "What is GGUF?", stream: false },
    ],
  },
);
export type ResponsesRequest = Static<typeof ResponsesRequest>;

export const InputTokensRequest = t.Object(conversationFields);
export type InputTokensRequest = Static<typeof InputTokensRequest>;
