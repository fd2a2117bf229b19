/** Why the HTTP layer answered a request itself; the server maps each kind to its answer. */
export type RefusalKind =
  | "bad_request"
  | "head_too_large"
  | "version_not_supported"
  | "body_too_large"
  | "timeout"
  | "over_capacity"
  | "internal";

export interface Refusal {
  kind: RefusalKind;
  /** What was wrong, in a few words (a limit, a count, a parser's reason; no request text). */
  detail: string;
}
