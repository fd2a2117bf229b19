import { ApiError } from "./api-error.ts";

/** Checks adapters make on fields their schemas leave loose (content blocks, input items). */

export function invalidValue(message: string, param: string): ApiError {
  return new ApiError(400, message, "invalid_request_error", "invalid_value", param);
}

/** A string, possibly empty (text). */
export function stringField(value: unknown, param: string): string {
  if (typeof value === "string") return value;
  throw invalidValue(`${param} must be a string`, param);
}

/** A non-empty string (ids, names). */
export function requiredString(value: unknown, param: string): string {
  if (typeof value === "string" && value !== "") return value;
  throw invalidValue(`${param} is required: a non-empty string`, param);
}
