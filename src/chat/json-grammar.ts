/**
 * JSON Schema → GBNF, for `response_format`. llama.cpp's grammar sampler then lets the model
 * write only text the grammar accepts, so the reply parses and fits the schema.
 */

/** A schema feature this converter cannot enforce; the API answers 400 with the message. */
export class UnsupportedSchemaError extends Error {}

type Schema = Record<string, unknown> | boolean;

const PRIMITIVES: Record<string, string> = {
  // Whitespace is bounded so a model cannot pad forever.
  ws: "[ \\t\\n]{0,3}",
  char: '[^"\\\\\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})',
  string: '"\\"" char* "\\""',
  integer: '"-"? ("0" | [1-9] [0-9]{0,15})',
  number: 'integer ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?',
  boolean: '"true" | "false"',
  null: '"null"',
  value: "object | array | string | number | boolean | null",
  object: '"{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"',
  array: '"[" ws ( value ( ws "," ws value )* )? ws "]"',
};

/** Any JSON object, as `response_format: {type: "json_object"}` asks. */
export function jsonObjectGrammar(): string {
  return render(new Map([["root", "ws object ws"]]));
}

/** A grammar for values matching `schema` (a subset of JSON Schema; see README). */
export function jsonSchemaGrammar(schema: unknown): string {
  const builder = new GrammarBuilder(schema);
  const root = builder.rule(schema as Schema, "root-value");
  builder.rules.set("root", `ws ${root} ws`);
  return render(builder.rules);
}

function render(rules: Map<string, string>): string {
  const all = new Map([...rules, ...Object.entries(PRIMITIVES)]);
  return [...all].map(([name, body]) => `${name} ::= ${body}`).join("\n");
}

/** A GBNF string literal for exact text. */
function literal(text: string): string {
  const escaped = text
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  return `"${escaped}"`;
}

/** Deeper schemas are refused: no real schema nests this far, and a hostile one would stall. */
const MAX_SCHEMA_DEPTH = 64;

class GrammarBuilder {
  readonly rules = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  private counter = 0;
  private depth = 0;

  constructor(private readonly document: unknown) {}

  /** The name of a rule for `schema`, adding the rules it needs. */
  rule(schema: Schema, hint: string): string {
    if (schema === true || (typeof schema === "object" && Object.keys(schema).length === 0)) {
      return "value";
    }
    if (schema === false) throw new UnsupportedSchemaError("a schema of `false` allows no value");
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new UnsupportedSchemaError("a schema must be an object");
    }
    if (this.depth >= MAX_SCHEMA_DEPTH)
      throw new UnsupportedSchemaError(`the schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
    const name = this.name(hint);
    this.depth++;
    try {
      this.rules.set(name, this.body(schema, name));
    } finally {
      this.depth--;
    }
    return name;
  }

  /** Rule names carry a readable hint, cut short so deep schemas keep short names. */
  private name(hint: string): string {
    const readable = hint
      .replace(/[^a-zA-Z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40);
    return `${readable || "r"}-${this.counter++}`;
  }

  private body(schema: Record<string, unknown>, name: string): string {
    if (typeof schema.$ref === "string") return this.reference(schema.$ref);
    if ("const" in schema) return literal(JSON.stringify(schema.const));
    if (Array.isArray(schema.enum))
      return schema.enum.map((v) => literal(JSON.stringify(v))).join(" | ");
    const choices = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
    if (Array.isArray(choices))
      return choices.map((choice, i) => this.rule(choice, `${name}-${i}`)).join(" | ");
    if ("allOf" in schema || "not" in schema || "if" in schema) {
      throw new UnsupportedSchemaError(
        "allOf, not and if/then are not supported in response_format schemas",
      );
    }
    const type = schema.type;
    if (Array.isArray(type))
      return type.map((one) => this.rule({ ...schema, type: one }, `${name}-${one}`)).join(" | ");
    switch (type) {
      case "object":
        return this.objectBody(schema, name);
      case "array":
        return this.arrayBody(schema, name);
      case "string":
        return stringBody(schema);
      case "integer":
      case "number":
      case "boolean":
      case "null":
        return type;
      case undefined:
        if (schema.properties) return this.objectBody(schema, name);
        return "value";
      default:
        throw new UnsupportedSchemaError(`unknown type ${JSON.stringify(type)}`);
    }
  }

  /**
   * Members in declared order, optional ones skippable. `start-i` is "the first member present
   * is i or later"; `rest-i` is "members i… after a comma"; so commas always come out right.
   */
  private objectBody(schema: Record<string, unknown>, name: string): string {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const keys = Object.keys(properties);
    if (keys.length === 0) return "object";
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const member = keys.map(
      (key, i) =>
        `${literal(JSON.stringify(key))} ws ":" ws ${this.rule(properties[key] ?? true, `${name}-${key}-${i}`)}`,
    );
    for (let i = keys.length; i >= 0; i--) {
      const key = keys[i];
      const here = member[i];
      if (key === undefined || here === undefined) {
        this.rules.set(`${name}-rest-${i}`, '""');
        this.rules.set(`${name}-start-${i}`, '""');
        continue;
      }
      const optional = !required.has(key);
      const rest = `( ws "," ws ${here} )${optional ? "?" : ""} ${name}-rest-${i + 1}`;
      this.rules.set(`${name}-rest-${i}`, rest);
      const start = `${here} ${name}-rest-${i + 1}`;
      this.rules.set(`${name}-start-${i}`, optional ? `${start} | ${name}-start-${i + 1}` : start);
    }
    return `"{" ws ${name}-start-0 ws "}"`;
  }

  private arrayBody(schema: Record<string, unknown>, name: string): string {
    const item = this.rule((schema.items ?? true) as Schema, `${name}-item`);
    const min = typeof schema.minItems === "number" ? schema.minItems : 0;
    const max = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
    if (max !== undefined && max < min)
      throw new UnsupportedSchemaError("maxItems is below minItems");
    if (max === 0) return '"[" ws "]"';
    const more = `( ws "," ws ${item} ){${Math.max(min - 1, 0)},${max === undefined ? "" : max - 1}}`;
    const items = `${item} ${more}`;
    return min === 0 ? `"[" ws ( ${items} )? ws "]"` : `"[" ws ${items} ws "]"`;
  }

  private reference(ref: string): string {
    const known = this.refs.get(ref);
    if (known) return known;
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const definitions = match
      ? (this.document as Record<string, Record<string, Schema>>)[match[1] ?? ""]
      : undefined;
    const target = match ? definitions?.[match[2] ?? ""] : undefined;
    if (target === undefined)
      throw new UnsupportedSchemaError(`cannot resolve $ref ${JSON.stringify(ref)}`);
    // Name the rule before building it, so recursive schemas refer back to it.
    const name = this.name(`ref-${match?.[2] ?? "x"}`);
    this.refs.set(ref, name);
    this.rules.set(name, this.body(target as Record<string, unknown>, name));
    return name;
  }
}

function stringBody(schema: Record<string, unknown>): string {
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  if (min === 0 && max === undefined) return "string";
  return `"\\"" char{${min},${max ?? ""}} "\\""`;
}
