import type { ErrorBody } from "./schemas.ts";

/** An error the API answers with: an HTTP status and OpenAI's error fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): ErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }

  /** Not `toResponse`: Elysia answers with that itself and skips the error mapper (no log). */
  asResponse(extraHeaders: Record<string, string> = {}): Response {
    return Response.json(this.body(), {
      status: this.status,
      headers: { ...extraHeaders, ...this.headers },
    });
  }
}
