import type { ApiError } from "../api-error.ts";

/** Anthropic's error type for each status we answer with. */
function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "overloaded_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

export function anthropicErrorBody(error: ApiError) {
  return { type: "error", error: { type: errorType(error.status), message: error.message } };
}

/** `{"type":"error","error":{type,message}}`; busy or starting is Anthropic's 529, which clients retry. */
export function anthropicErrorResponse(error: ApiError, headers: Record<string, string>): Response {
  return Response.json(anthropicErrorBody(error), {
    status: error.status === 503 ? 529 : error.status,
    headers: { ...headers, ...error.headers },
  });
}
