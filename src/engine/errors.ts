import { Status } from "./native-library.ts";

export type EngineErrorCode =
  | "model_not_found"
  | "invalid_model"
  | "invalid_request"
  | "context_length_exceeded"
  | "closed"
  | "internal";

/** Every failure of the engine layer; `code` says which kind. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

const codeByStatus: Record<number, EngineErrorCode> = {
  [Status.invalid]: "invalid_request",
  [Status.notFound]: "model_not_found",
  [Status.badModel]: "invalid_model",
  [Status.context]: "context_length_exceeded",
  [Status.closed]: "closed",
};

/** The EngineError for a native status and its glm_last_error() message. */
export function errorFromStatus(status: number, message: string): EngineError {
  return new EngineError(codeByStatus[status] ?? "internal", message || `native status ${status}`);
}
