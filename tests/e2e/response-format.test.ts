import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomModelPath } from "../support/test-models.ts";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const schema = {
  type: "object",
  properties: {
    color: { enum: ["red", "green", "blue"] },
    ok: { type: "boolean" },
    count: { type: "integer" },
    tag: { type: "string", maxLength: 6 },
    sizes: { type: "array", items: { type: "integer" }, maxItems: 3 },
  },
  required: ["color", "ok", "count", "tag"],
};

/** The shape the grammar guarantees, checked by hand so the test does not trust the converter. */
function matchesSchema(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const sizesOk =
    v.sizes === undefined ||
    (Array.isArray(v.sizes) && v.sizes.length <= 3 && v.sizes.every(Number.isInteger));
  return (
    ["red", "green", "blue"].includes(v.color as string) &&
    typeof v.ok === "boolean" &&
    Number.isInteger(v.count) &&
    typeof v.tag === "string" &&
    v.tag.length <= 6 &&
    sizesOk &&
    Object.keys(v).every((key) => key in schema.properties)
  );
}

describe("response_format on a random-weight model", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ args: ["--model", randomModelPath(), "--ctx-size", "8192"] });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test.each([["first"], ["second"], ["third"]])(
    "json_schema output parses and fits the schema (%s prompt)",
    async (word) => {
      const completion = await server.client.chat.completions.create({
        model: "x",
        messages: [{ role: "user", content: `Describe the ${word} thing.` }],
        temperature: 0,
        max_tokens: 1500,
        response_format: { type: "json_schema", json_schema: { name: "thing", schema } },
      });
      const text = completion.choices[0]?.message.content ?? "";
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      expect(matchesSchema(JSON.parse(text))).toBe(true);
    },
  );

  test("json_object output is one JSON object", async () => {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: [{ role: "user", content: "Give me JSON." }],
      temperature: 0,
      max_tokens: 3000,
      response_format: { type: "json_object" },
    });
    const text = completion.choices[0]?.message.content ?? "";
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const parsed = JSON.parse(text);
    expect(typeof parsed).toBe("object");
    expect(Array.isArray(parsed)).toBe(false);
  });

  test("an unsupported schema is a 400 naming response_format", async () => {
    const { status, body } = await rawRequest(server, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages: [{ role: "user", content: "x" }],
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { $ref: "#/nowhere" } },
        },
      }),
    });
    expect(status).toBe(400);
    expect((body as { error: { param: string } }).error.param).toContain("response_format");
  });
});
