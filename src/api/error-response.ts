import type { ApiError } from "./api-error.ts";
import { anthropicErrorResponse } from "./messages/errors.ts";

/** Routes whose protocol has its own error shape; everything else answers in OpenAI's. */
const ERROR_SHAPES: Array<
  [RegExp, (error: ApiError, headers: Record<string, string>) => Response]
> = [[/^\/v1\/messages(\/|$)/, anthropicErrorResponse]];

/** The error as the protocol behind `path` shapes it. */
export function errorResponse(
  path: string,
  error: ApiError,
  headers: Record<string, string> = {},
): Response {
  const shape = ERROR_SHAPES.find(([pattern]) => pattern.test(path))?.[1];
  return shape ? shape(error, headers) : error.asResponse(headers);
}
