import { type Static, t } from "elysia";

/** Anthropic Messages request shapes: the one source for validation, types and docs. */

/**
 * One content block. Blocks are checked by type in to-conversation.ts, so an unsupported block
 * (an image, say) gets an error that names it rather than a union mismatch.
 */
const ContentBlock = t.Object({
  type: t.String({ minLength: 1 }),
  text: t.Optional(t.String()),
  id: t.Optional(t.String()),
  name: t.Optional(t.String()),
  input: t.Optional(t.Unknown()),
  tool_use_id: t.Optional(t.String()),
  content: t.Optional(t.Unknown()),
  is_error: t.Optional(t.Boolean()),
  thinking: t.Optional(t.String()),
  signature: t.Optional(t.String()),
  data: t.Optional(t.String()),
});
export type ContentBlock = Static<typeof ContentBlock>;

const Message = t.Object({
  // Claude Code sends its environment notes as a `system` message among the others.
  role: t.Union([t.Literal("user"), t.Literal("assistant"), t.Literal("system")], {
    error: "role must be user, assistant or system",
  }),
  content: t.Union([t.String(), t.Array(ContentBlock)], {
    error: "content must be a string or an array of content blocks",
  }),
});

const SystemBlock = t.Object({ type: t.Literal("text"), text: t.String() });

const Tool = t.Object({
  name: t.String({ minLength: 1, maxLength: 128 }),
  description: t.Optional(t.String()),
  input_schema: t.Optional(t.Record(t.String(), t.Unknown())),
  type: t.Optional(t.String()),
});
export type MessagesTool = Static<typeof Tool>;

const ToolChoice = t.Object({
  type: t.Union([t.Literal("auto"), t.Literal("any"), t.Literal("tool"), t.Literal("none")], {
    error: "tool_choice.type must be auto, any, tool or none",
  }),
  name: t.Optional(t.String()),
  disable_parallel_tool_use: t.Optional(t.Boolean()),
});

const Thinking = t.Object({
  type: t.Union([t.Literal("enabled"), t.Literal("disabled"), t.Literal("adaptive")], {
    error: "thinking.type must be enabled, disabled or adaptive",
  }),
  budget_tokens: t.Optional(t.Integer({ minimum: 0 })),
});

const conversationFields = {
  model: t.String({ error: "model is required (any name serves the loaded model)" }),
  system: t.Optional(
    t.Union([t.String(), t.Array(SystemBlock)], {
      error: "system must be a string or an array of text blocks",
    }),
  ),
  messages: t.Array(Message, {
    minItems: 1,
    error: "messages must be a non-empty array of messages",
  }),
  tools: t.Optional(t.Array(Tool)),
  tool_choice: t.Optional(ToolChoice),
  thinking: t.Optional(Thinking),
};

export const MessagesRequest = t.Object(
  {
    ...conversationFields,
    max_tokens: t.Integer({
      minimum: 1,
      error: "max_tokens is required: an integer of at least 1",
    }),
    stop_sequences: t.Optional(
      t.Array(t.String(), { error: "stop_sequences must be an array of strings" }),
    ),
    temperature: t.Optional(
      t.Number({ minimum: 0, maximum: 1, error: "temperature must be a number from 0 to 1" }),
    ),
    top_p: t.Optional(t.Number({ minimum: 0, maximum: 1, error: "top_p must be from 0 to 1" })),
    top_k: t.Optional(t.Integer({ minimum: 0, error: "top_k must be an integer of at least 0" })),
    metadata: t.Optional(t.Record(t.String(), t.Unknown())),
    stream: t.Optional(t.Boolean()),
  },
  {
    examples: [
      {
        model: "glm-4.5",
        max_tokens: 1024,
        system: "You are a helpful assistant.",
        messages: [{ role: "user", content: "What is GGUF?" }],
      },
    ],
  },
);
export type MessagesRequest = Static<typeof MessagesRequest>;

export const CountTokensRequest = t.Object(conversationFields);
export type CountTokensRequest = Static<typeof CountTokensRequest>;
