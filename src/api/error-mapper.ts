import { EngineError } from "../engine/errors.ts";
import { QueueFullError } from "../queue.ts";
import { ApiError } from "./api-error.ts";

interface ValidationIssue {
  path?: string;
  message?: string;
  summary?: string;
}

/** Elysia's validation error, as far as the mapper reads it. */
interface ValidationLike {
  all?: ValidationIssue[];
  /** The schema's own `error` text, when it has one. */
  customError?: unknown;
  message?: string;
}

/** Every failure becomes an ApiError with OpenAI's shape; this is the only place that decides. */
export function toApiError(code: string | number, error: unknown, clientGone = false): ApiError {
  if (error instanceof ApiError) return error;
  // The abort we raised for a client that hung up is not a server fault; log it as nginx's 499.
  if (clientGone)
    return new ApiError(
      499,
      "the client closed the request",
      "invalid_request_error",
      "client_closed",
    );
  // Elysia wraps whatever a parse hook throws, e.g. the 413 for an oversized chunked body.
  if (error instanceof Error && error.cause instanceof ApiError) return error.cause;
  if (error instanceof QueueFullError) {
    return new ApiError(429, error.message, "rate_limit_error", "queue_full", null, {
      "retry-after": "1",
    });
  }
  if (error instanceof EngineError) return fromEngine(error);
  // JSON nested far enough (100k levels fit in a small body) overflows any recursive walk of it.
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return new ApiError(
      400,
      "the request nests too deeply to process",
      "invalid_request_error",
      "invalid_value",
    );
  if (code === "VALIDATION") return fromValidation(error as ValidationLike);
  if (code === "PARSE")
    return new ApiError(
      400,
      "the request body is not valid JSON",
      "invalid_request_error",
      "invalid_json",
    );
  if (code === "NOT_FOUND")
    return new ApiError(404, "no such route", "invalid_request_error", "not_found");
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, `internal error: ${message}`, "server_error", "internal_error");
}

function fromEngine(error: EngineError): ApiError {
  switch (error.code) {
    case "context_length_exceeded":
      return new ApiError(400, error.message, "invalid_request_error", "context_length_exceeded");
    case "invalid_request":
      return new ApiError(400, error.message, "invalid_request_error", "invalid_request");
    case "closed":
      return new ApiError(503, "the server is shutting down", "unavailable_error", "shutting_down");
    default:
      return new ApiError(500, error.message, "server_error", error.code);
  }
}

/** Names the first offending field as a dotted path, e.g. messages.0.role. */
function fromValidation(error: ValidationLike): ApiError {
  const issue = error.all?.[0];
  const param = issue?.path ? issue.path.replace(/^\//, "").replaceAll("/", ".") : null;
  if (typeof error.customError === "string") {
    return new ApiError(
      400,
      error.customError,
      "invalid_request_error",
      "invalid_value",
      param || null,
    );
  }
  const detail = issue?.summary ?? issue?.message ?? "invalid request";
  const message = param ? `invalid '${param}': ${detail}` : detail;
  return new ApiError(400, message, "invalid_request_error", "invalid_value", param || null);
}
