import { Elysia, t } from "elysia";
import { ApiError } from "./api-error.ts";
import type { ServerState } from "./server-state.ts";

/** POST /tokenize and /detokenize, shaped like llama-server's. */
export function tokenizeRoutes(state: ServerState) {
  return new Elysia()
    .post(
      "/tokenize",
      ({ body }) => {
        const engine = state.ready().engine;
        const tokens = engine.tokenize(body.content, body.parse_special ?? false);
        if (!body.with_pieces) return { tokens };
        return { tokens: tokens.map((id) => ({ id, piece: engine.detokenize([id]) })) };
      },
      {
        body: t.Object({
          content: t.String(),
          parse_special: t.Optional(t.Boolean()),
          with_pieces: t.Optional(t.Boolean()),
        }),
        detail: { summary: "Text to token ids", tags: ["tokens"] },
      },
    )
    .post(
      "/detokenize",
      ({ body }) => {
        const engine = state.ready().engine;
        const bad = body.tokens.find((id) => id >= engine.info.nVocab);
        if (bad !== undefined) {
          throw new ApiError(
            400,
            `token ${bad} is outside the vocabulary (${engine.info.nVocab} tokens)`,
            "invalid_request_error",
            "invalid_value",
            "tokens",
          );
        }
        return { content: engine.detokenize(body.tokens) };
      },
      {
        body: t.Object({ tokens: t.Array(t.Integer({ minimum: 0 }), { maxItems: 1_000_000 }) }),
        detail: { summary: "Token ids to text", tags: ["tokens"] },
      },
    );
}
