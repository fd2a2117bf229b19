import type { Refusal } from "../http/refusal.ts";
import { ApiError } from "./api-error.ts";

/** The limits that edge errors name, with the flags that set them. */
export interface EdgeLimits {
  maxBody: number;
  timeout: number;
  maxConnections: number;
}

/** 413: past --max-body. */
export function tooLarge(length: number, limit: number): ApiError {
  return new ApiError(
    413,
    `the request body is ${length} bytes; the limit is ${limit} (--max-body)`,
    "invalid_request_error",
    "request_too_large",
    null,
    { connection: "close" },
  );
}

/** 408, and the connection closes: its client stopped sending mid-request. */
export function requestTimeout(seconds: number): ApiError {
  return new ApiError(
    408,
    `the request did not arrive within ${seconds} s (--timeout)`,
    "invalid_request_error",
    "request_timeout",
    null,
    { connection: "close" },
  );
}

/** 503 at once, and the connection closes: slow or stuck clients cannot take every descriptor. */
export function overCapacity(limit: number): ApiError {
  return new ApiError(
    503,
    `the server is handling ${limit} requests, its limit (--max-connections); retry shortly`,
    "unavailable_error",
    "too_many_connections",
    null,
    { "retry-after": "1", connection: "close" },
  );
}

/** The error for a request the HTTP layer answered itself. */
export function refusalError(refusal: Refusal, limits: EdgeLimits): ApiError {
  const close = { connection: "close" };
  switch (refusal.kind) {
    case "body_too_large":
      return tooLarge(Number(refusal.detail) || 0, limits.maxBody);
    case "timeout":
      return requestTimeout(limits.timeout);
    case "over_capacity":
      return overCapacity(limits.maxConnections);
    case "head_too_large":
      return new ApiError(
        431,
        `the request head is too large: ${refusal.detail}`,
        "invalid_request_error",
        "request_header_fields_too_large",
        null,
        close,
      );
    case "version_not_supported":
      return new ApiError(
        505,
        `${refusal.detail} is not served; use HTTP/1.1`,
        "invalid_request_error",
        "http_version_not_supported",
        null,
        close,
      );
    case "internal":
      return new ApiError(
        500,
        "internal server error",
        "server_error",
        "internal_error",
        null,
        close,
      );
    case "bad_request":
      return new ApiError(
        400,
        `malformed HTTP request: ${refusal.detail}`,
        "invalid_request_error",
        "malformed_request",
        null,
        close,
      );
  }
}
