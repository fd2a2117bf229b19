import { Elysia } from "elysia";
import { chatPage } from "./chat-page.ts";
import { PAGE_POLICY } from "./docs-assets.ts";

/** GET /: a small chat page over /v1/chat/completions. Open without a key, so users can enter one. */
export function chatPageRoute() {
  return new Elysia().get(
    "/",
    () =>
      new Response(chatPage, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": PAGE_POLICY,
        },
      }),
    { detail: { summary: "Chat page", tags: ["page"] } },
  );
}
