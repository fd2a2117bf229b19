// Not in `make test-asan`: llama.cpp's grammar parser throws (and catches) a C++ exception on
// the calling thread, and ASan's exception hook cannot handle Bun's main-thread stack.
import { expect, test } from "bun:test";
import { EngineError } from "../../src/engine/errors.ts";
import { openScripted, promptFor, waitUntil } from "./fixtures.ts";

test("start() refuses a bad grammar at once, before anything is read", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  let refusal: unknown;
  try {
    engine.start(promptFor(engine, "x"), { maxTokens: 4, grammar: "root ::= (" });
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(EngineError);
  expect((refusal as EngineError).code).toBe("invalid_request");
});

test("onEnd fires when the engine finishes a request even if nobody reads it", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  let ended = false;
  const unread = engine.start(promptFor(engine, "go"), { maxTokens: 50 }, undefined, () => {
    ended = true;
  });
  await waitUntil(() => ended);
  expect(engine.slots()[0]?.busy).toBe(false);
  await unread.return(undefined);
});
