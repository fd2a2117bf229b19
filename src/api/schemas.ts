import { type Static, t } from "elysia";

/** Shapes every OpenAI-style route shares: generation fields, usage, models, errors. */
export const optionalNumber = (name: string, minimum: number, maximum: number) =>
  t.Optional(
    t.Union([t.Number({ minimum, maximum }), t.Null()], {
      error: `${name} must be a number from ${minimum} to ${maximum}`,
    }),
  );
export const optionalInteger = (name: string, minimum: number) =>
  t.Optional(
    t.Union([t.Integer({ minimum }), t.Null()], {
      error: `${name} must be an integer of at least ${minimum}`,
    }),
  );

/** Fields both completion routes take: sampling, streaming and stops. */
export const generationFields = {
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

export const Usage = t.Object({
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
export const TokenLogprobSchema = t.Object({
  token: t.String(),
  logprob: t.Number(),
  bytes: t.Array(t.Integer()),
  top_logprobs: t.Array(TopLogprob),
});
export type TokenLogprobEntry = Static<typeof TokenLogprobSchema>;

export type Usage = Static<typeof Usage>;

export const Health = t.Object({ status: t.String() });
