import { overCapacity } from "./edge-errors.ts";
import { errorResponse } from "./error-response.ts";

type Fetch = (request: Request) => Response | Promise<Response>;

/**
 * Caps the requests being received or worked on at once (a stream counts until its response
 * starts): beyond `limit`, a request gets 503 at once and its connection closes, so slow or
 * stuck clients cannot take every file descriptor. /health is never refused, so a supervisor
 * still sees the server answer.
 */
export function capRequests(fetch: Fetch, limit: number): Fetch {
  let open = 0;
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (open >= limit && path !== "/health") return errorResponse(path, overCapacity(limit));
    open++;
    try {
      return await fetch(request);
    } finally {
      open--;
    }
  };
}
