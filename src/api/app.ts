import { openapi } from "@elysiajs/openapi";
import { Elysia, ParseError } from "elysia";
import type { Config } from "../config.ts";
import type { CompletionRecord, RequestLog } from "../request-log.ts";
import { ApiError } from "./api-error.ts";
import { createKeyCheck, presentedKey } from "./auth.ts";
import { chatCompletionsRoute } from "./chat-completions/route.ts";
import { chatPageRoute } from "./chat-page-route.ts";
import { corsPolicy } from "./cors.ts";
import { docsAssetsRoute, PAGE_POLICY, SCALAR_BUNDLE_ROUTE } from "./docs-assets.ts";
import { requestTimeout, tooLarge } from "./edge-errors.ts";
import { toApiError } from "./error-mapper.ts";
import { errorResponse } from "./error-response.ts";
import { healthRoute } from "./health-route.ts";
import { messagesRoutes } from "./messages/route.ts";
import { Metrics } from "./metrics.ts";
import { metricsRoute } from "./metrics-route.ts";
import { modelsRoute } from "./models-route.ts";
import { responsesRoutes } from "./responses/route.ts";
import type { ServerState } from "./server-state.ts";
import { slotsRoute } from "./slots-route.ts";
import { textCompletionsRoute } from "./text-completions-route.ts";
import { tokenizeRoutes } from "./tokenize-route.ts";

type ScalarOptions = NonNullable<NonNullable<Parameters<typeof openapi>[0]>["scalar"]>;

export type AppConfig = Pick<Config, "apiKeys" | "corsOrigin" | "maxBody" | "timeout">;

/** Which methods each route answers, so a wrong method gets 405 rather than 404. */
const ROUTE_METHODS: Array<[RegExp, string[]]> = [
  [/^\/v1\/chat\/completions\/?$/, ["POST"]],
  [/^\/v1\/completions\/?$/, ["POST"]],
  [/^\/v1\/messages(\/count_tokens)?\/?$/, ["POST"]],
  [/^\/v1\/responses(\/input_tokens)?\/?$/, ["POST"]],
  [/^\/v1\/models(\/[^/]+)?\/?$/, ["GET"]],
  [/^\/health\/?$/, ["GET"]],
  [/^\/$/, ["GET"]],
  [/^\/slots\/?$/, ["GET"]],
  [/^\/metrics\/?$/, ["GET"]],
  [/^\/(de)?tokenize\/?$/, ["POST"]],
];

/** The whole HTTP API: guards first, then one plugin per route group, and one error mapper. */
export function createApp(
  state: ServerState,
  config: AppConfig,
  log: RequestLog,
  metrics: Metrics = new Metrics(),
) {
  const policy = corsPolicy(config.corsOrigin, config.apiKeys.length > 0);
  const corsOf = (request: Request) => policy.headers(request.headers.get("origin"));
  const keyIsValid = config.apiKeys.length > 0 ? createKeyCheck(config.apiKeys) : null;

  const onCompletion = (record: CompletionRecord) => {
    log.completion(record);
    metrics.completion(record);
  };

  return new Elysia()
    .onRequest(({ request, set }) => {
      const cors = corsOf(request);
      Object.assign(set.headers, cors);
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > config.maxBody) {
        throw tooLarge(length, config.maxBody);
      }
      const path = new URL(request.url).pathname;
      // The chat page holds no data and must load before the user has typed a key.
      const open = path === "/health" || path === "/";
      const key = () =>
        presentedKey(request.headers.get("authorization"), request.headers.get("x-api-key"));
      if (keyIsValid && !open && !keyIsValid(key())) {
        throw new ApiError(
          401,
          "invalid or missing API key; send 'Authorization: Bearer <key>' or 'x-api-key: <key>'",
          "invalid_request_error",
          "invalid_api_key",
          null,
          { "www-authenticate": 'Bearer realm="glm-serve"' },
        );
      }
    })
    .onParse({ as: "global" }, async ({ request }) => {
      // Read here, not by Elysia: a chunked body escapes the Content-Length check above, and any
      // body may stop arriving (--timeout).
      const text = await readUpTo(request, config.maxBody, config.timeout * 1000);
      try {
        return JSON.parse(text);
      } catch {
        throw new ParseError();
      }
    })
    .onError(({ code, error, request }) => {
      let apiError = toApiError(code, error, request.signal.aborted);
      const path = new URL(request.url).pathname;
      if (apiError.status === 404 && apiError.code === "not_found")
        apiError = wrongMethod(path, request.method) ?? apiError;
      log.failure(request.method, path, apiError.status, apiError.code);
      return errorResponse(path, apiError, corsOf(request));
    })
    .use(chatPageRoute())
    .use(healthRoute(state))
    .use(modelsRoute(state))
    .use(slotsRoute(state))
    .use(metricsRoute(state, metrics))
    .use(tokenizeRoutes(state))
    .use(chatCompletionsRoute(state, onCompletion))
    .use(textCompletionsRoute(state, onCompletion))
    .use(messagesRoutes(state, onCompletion, log))
    .use(responsesRoutes(state, onCompletion, log))
    .use(docsAssetsRoute())
    .onAfterHandle(({ request, set }) => {
      const path = new URL(request.url).pathname;
      if (path === "/docs") set.headers["content-security-policy"] = PAGE_POLICY;
    })
    .use(
      openapi({
        path: "/docs",
        // Scalar's own defaults fill in the rest; its types ask for every field.
        scalar: { cdn: SCALAR_BUNDLE_ROUTE, withDefaultFonts: false } as ScalarOptions,
        documentation: {
          info: {
            title: "glm-serve",
            version: "0.1.0",
            description: "OpenAI-compatible chat completions for GLM models on llama.cpp's engine.",
          },
        },
      }),
    );
}

/** The body as text, refused past `limit` bytes or when it has not all come within `ms`. */
async function readUpTo(request: Request, limit: number, ms: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = request.body?.getReader();
  if (!reader) return "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") {
        void reader.cancel().catch(() => {});
        throw requestTimeout(ms / 1000);
      }
      if (next.done) break;
      length += next.value.byteLength;
      if (length > limit) {
        await reader.cancel();
        throw tooLarge(length, limit);
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function wrongMethod(path: string, method: string): ApiError | undefined {
  const route = ROUTE_METHODS.find(([pattern]) => pattern.test(path));
  if (!route || route[1].includes(method)) return undefined;
  return new ApiError(
    405,
    `${method} is not allowed on ${path}; use ${route[1].join(", ")}`,
    "invalid_request_error",
    "method_not_allowed",
    null,
    { allow: route[1].join(", ") },
  );
}
