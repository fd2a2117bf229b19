import { describe, expect, test } from "bun:test";
import {
  jsonObjectGrammar,
  jsonSchemaGrammar,
  UnsupportedSchemaError,
} from "../../src/chat/json-grammar.ts";

function rules(grammar: string): Map<string, string> {
  return new Map(
    grammar.split("\n").map((line) => {
      const at = line.indexOf(" ::= ");
      return [line.slice(0, at), line.slice(at + 5)] as [string, string];
    }),
  );
}

/** Every rule a body names must be defined: llama.cpp refuses a grammar otherwise. */
function undefinedRules(grammar: string): string[] {
  const all = rules(grammar);
  const bodies = [...all.values()].map((body) =>
    body.replace(/"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]/g, ""),
  );
  const names = bodies.flatMap((body) => body.match(/[a-zA-Z][a-zA-Z0-9-]*/g) ?? []);
  return names.filter((name) => !all.has(name));
}

describe("jsonSchemaGrammar", () => {
  test.each([
    [
      "an object with required and optional members",
      {
        type: "object",
        properties: { a: { type: "string" }, b: { type: "integer" } },
        required: ["b"],
      },
    ],
    [
      "only optional members",
      { type: "object", properties: { a: { type: "boolean" }, b: { type: "null" } } },
    ],
    [
      "nested arrays with bounds",
      {
        type: "array",
        items: { type: "array", items: { type: "number" }, minItems: 1, maxItems: 2 },
      },
    ],
    ["enum and const", { anyOf: [{ enum: ["x", 1, null] }, { const: { k: true } }] }],
    ["a type list", { type: ["string", "null"] }],
    [
      "a recursive $ref",
      {
        $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } },
        $ref: "#/$defs/node",
      },
    ],
    ["an empty schema (any value)", {}],
  ])("%s: root rule and every referenced rule exist", (_, schema) => {
    const grammar = jsonSchemaGrammar(schema);
    expect(rules(grammar).has("root")).toBe(true);
    expect(undefinedRules(grammar)).toEqual([]);
  });

  test("string length bounds become a bounded repetition", () => {
    expect(jsonSchemaGrammar({ type: "string", minLength: 2, maxLength: 5 })).toContain(
      "char{2,5}",
    );
  });

  test("enum values are exact JSON literals", () => {
    expect(jsonSchemaGrammar({ enum: ['say "hi"'] })).toContain('"\\"say \\\\\\"hi\\\\\\"\\""');
  });

  test.each([
    ["allOf", { allOf: [{ type: "string" }] }],
    ["a false schema", false],
    ["an unresolvable $ref", { $ref: "#/elsewhere" }],
    ["an unknown type", { type: "date" }],
    ["maxItems below minItems", { type: "array", minItems: 3, maxItems: 1 }],
    ["a schema nested 65 deep", nested(65)],
    ["a schema nested 20,000 deep", nested(20_000)],
  ])("%s is refused with a clear error", (_, schema) => {
    expect(() => jsonSchemaGrammar(schema)).toThrow(UnsupportedSchemaError);
  });

  test("64 levels still make a grammar, with short rule names", () => {
    const grammar = jsonSchemaGrammar(nested(63));
    expect(undefinedRules(grammar)).toEqual([]);
    for (const name of rules(grammar).keys()) expect(name.length).toBeLessThan(80);
  });
});

test("jsonObjectGrammar starts from an object", () => {
  expect(rules(jsonObjectGrammar()).get("root")).toBe("ws object ws");
  expect(undefinedRules(jsonObjectGrammar())).toEqual([]);
});

/** An object schema whose one property nests `depth` objects deep. */
function nested(depth: number): unknown {
  let schema: unknown = { type: "string" };
  for (let i = 0; i < depth; i++) schema = { type: "object", properties: { a: schema } };
  return schema;
}
