import type { Prng } from "./prng.ts";

/** One request to throw at the server, and what it was made from. */
export interface FuzzCase {
  /** The bad-input class, as the README's table names it. */
  kind: string;
  /** What exactly was changed, to replay a failure by hand. */
  detail: string;
  body: string | Uint8Array | (() => ReadableStream<Uint8Array>);
  /** null sends no Content-Type header. */
  contentType: string | null;
  /** Inputs that can never be a valid request: a 200 for one of these is a bug. */
  mustFail: boolean;
}

import type { FuzzTarget, Json, Path } from "./targets.ts";

const JSON_TYPE = "application/json";
/** A placeholder replaced by a raw token after JSON.stringify, e.g. NaN, which JSON lacks. */
const RAW = "__fuzz_raw__";

/** A value class set into one field: its table name, and the value for a field's current value. */
interface ValueClass {
  kind: string;
  value: (current: Json | undefined, prng: Prng) => Json;
  /** The raw token that replaces the placeholder, for values JSON cannot hold. */
  raw?: (prng: Prng) => string;
}

const ONE_MB = 1 << 20;

export const VALUE_CLASSES: ValueClass[] = [
  { kind: "wrong type", value: (current, prng) => wrongTypeFor(current, prng) },
  { kind: "null", value: () => null },
  { kind: "huge number 1e308", value: () => 1e308 },
  {
    kind: "NaN / Infinity token (invalid JSON)",
    value: () => RAW,
    raw: (prng) => prng.pick(["NaN", "Infinity", "-Infinity", "undefined"]),
  },
  { kind: "empty string", value: () => "" },
  { kind: "1 MB string", value: (_, prng) => prng.pick(["x", "ab ", "你好"]).repeat(ONE_MB / 3) },
  { kind: "lone surrogate", value: (_, prng) => prng.pick(["\ud800", "a\udfffb", "\udc00\ud800"]) },
  { kind: "NUL character", value: (_, prng) => prng.pick(["\u0000", "a\u0000b"]) },
  { kind: "field removed", value: () => null },
];

function wrongTypeFor(current: Json | undefined, prng: Prng): Json {
  const candidates: Json[] = [true, 42, -1.5, "seven", [], {}, [1, "two"], { a: 1 }];
  const others = candidates.filter((value) => jsonType(value) !== jsonType(current ?? null));
  return prng.pick(others);
}

function jsonType(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** One field set to one value class; `field removed` deletes it instead. */
export function fieldCase(
  target: FuzzTarget,
  path: Path,
  valueClass: ValueClass,
  prng: Prng,
): FuzzCase {
  const request = target.valid();
  const value = valueClass.value(getAt(request, path), prng);
  const removed = valueClass.kind === "field removed";
  if (removed) deleteAt(request, path);
  else setAt(request, path, value);
  const raw = valueClass.raw?.(prng);
  const text = JSON.stringify(request);
  const body = raw !== undefined ? text.replace(`"${RAW}"`, raw) : text;
  return {
    kind: valueClass.kind,
    detail: removed ? `${path.join(".")} removed` : `${path.join(".")} = ${raw ?? preview(value)}`,
    body,
    contentType: JSON_TYPE,
    mustFail: raw !== undefined,
  };
}

/** Two or three field mutations stacked on one request. */
export function stackedCase(target: FuzzTarget, prng: Prng): FuzzCase {
  const request = target.valid();
  const steps: string[] = [];
  let rawToken: string | undefined;
  const count = prng.int(2, 4);
  for (let i = 0; i < count; i++) {
    const path = prng.pick(target.fields);
    const valueClass = prng.pick(VALUE_CLASSES.filter((c) => c.kind !== "1 MB string"));
    if (valueClass.kind === "field removed") {
      deleteAt(request, path);
      steps.push(`-${path.join(".")}`);
      continue;
    }
    const value = valueClass.value(getAt(request, path), prng);
    if (!setAt(request, path, value)) continue;
    if (valueClass.raw) rawToken = valueClass.raw(prng);
    steps.push(`${path.join(".")}=${valueClass.raw ? rawToken : preview(value)}`);
  }
  let text = JSON.stringify(request);
  // Only a placeholder that survived later mutations makes the body invalid JSON.
  const invalid = rawToken !== undefined && text.includes(`"${RAW}"`);
  if (rawToken !== undefined) text = text.replaceAll(`"${RAW}"`, rawToken);
  return {
    kind: "stacked field mutations",
    detail: steps.join(", "),
    body: text,
    contentType: JSON_TYPE,
    mustFail: invalid,
  };
}

/** Messages that are not message objects. */
export function messagesCase(target: FuzzTarget, prng: Prng): FuzzCase {
  const messages = prng.pick<Json>([
    [42],
    ["hi"],
    [null],
    [[]],
    [true],
    [{ role: "user", content: "hi" }, 7],
    "hi",
    {},
    [],
    [{}],
  ]);
  const request = target.valid();
  setAt(request, target.conversationPath, messages);
  const field = target.conversationPath.join(".");
  return {
    kind: `${field} that are not objects`,
    detail: `${field} = ${preview(messages)}`,
    body: JSON.stringify(request),
    contentType: JSON_TYPE,
    mustFail: !(target.acceptsConversation?.(messages) ?? false),
  };
}

/** A tool whose parameters nest `depth` objects deep. */
export function deepToolCase(target: FuzzTarget, depth: number): FuzzCase {
  let schema: Json = { type: "string" };
  for (let i = 0; i < depth; i++)
    schema = { type: "object", properties: { a: schema }, required: ["a"] };
  const request = target.valid();
  setAt(request, target.toolSchemaPath, schema);
  return {
    kind:
      depth === 2000 ? "tool parameters nested 2,000 deep" : "tool parameters nested 1–1,999 deep",
    detail: `${target.toolSchemaPath.join(".")} nested ${depth} deep`,
    body: JSON.stringify(request),
    contentType: JSON_TYPE,
    mustFail: false,
  };
}

/** Valid JSON cut short at a seeded offset: never valid. */
export function truncatedCase(target: FuzzTarget, prng: Prng): FuzzCase {
  const text = JSON.stringify(target.valid());
  const at = prng.int(0, text.length - 1);
  return {
    kind: "truncated JSON",
    detail: `cut at ${at} of ${text.length}`,
    body: text.slice(0, at),
    contentType: JSON_TYPE,
    mustFail: true,
  };
}

/** A valid JSON body under a Content-Type that is not JSON, or none. */
export function contentTypeCase(target: FuzzTarget, prng: Prng): FuzzCase {
  const contentType = prng.pick([
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=fuzz",
    "multipart/form-data",
    "application/xml",
    "application/octet-stream",
    "application/json; charset=utf-16",
    "image/png",
    null,
  ]);
  return {
    kind: "wrong Content-Type",
    detail: `content-type ${contentType ?? "(none)"}`,
    body: new TextEncoder().encode(JSON.stringify(target.valid())),
    contentType,
    mustFail: false,
  };
}

/** Bodies that are not a JSON object at all. */
export function notAnObjectCase(prng: Prng): FuzzCase {
  const body = prng.pick(["", "null", "[]", "42", '"text"', "true", "{}", "\ufeff{}", "{}{}"]);
  return {
    kind: "body not a JSON object",
    detail: `body ${JSON.stringify(body)}`,
    body,
    contentType: JSON_TYPE,
    mustFail: true,
  };
}

/** Bytes that are not UTF-8, inside a JSON string. */
export function invalidUtf8Case(target: FuzzTarget, prng: Prng): FuzzCase {
  const text = JSON.stringify(target.valid());
  const at = text.indexOf("be brief") + 3;
  const bad = prng.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
  const encoder = new TextEncoder();
  const bytes = new Uint8Array([
    ...encoder.encode(text.slice(0, at)),
    ...bad,
    ...encoder.encode(text.slice(at)),
  ]);
  return {
    kind: "invalid UTF-8 bytes",
    detail: `bytes ${bad.map((b) => b.toString(16)).join(" ")} in the "be brief" text`,
    body: bytes,
    contentType: JSON_TYPE,
    mustFail: false,
  };
}

/** A body larger than --max-body, with a Content-Length or chunked. */
export function oversizeCase(target: FuzzTarget, maxBody: number, chunked: boolean): FuzzCase {
  const request = target.valid();
  setAt(request, target.textPath, "x".repeat(maxBody + 1024));
  const bytes = new TextEncoder().encode(JSON.stringify(request));
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024)
          controller.enqueue(bytes.slice(at, at + 64 * 1024));
        controller.close();
      },
    });
  return {
    kind: chunked ? "body over --max-body (chunked)" : "body over --max-body",
    detail: `${bytes.length} bytes`,
    body: chunked ? stream : bytes,
    contentType: JSON_TYPE,
    mustFail: true,
  };
}

/** Every field with every value class, then each structural class: the fixed coverage set. */
export function coverageCases(target: FuzzTarget, prng: Prng, maxBody: number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const path of target.fields)
    for (const valueClass of VALUE_CLASSES) cases.push(fieldCase(target, path, valueClass, prng));
  for (let i = 0; i < 10; i++) cases.push(messagesCase(target, prng));
  cases.push(deepToolCase(target, 2000), deepToolCase(target, 100));
  for (let i = 0; i < 10; i++) cases.push(truncatedCase(target, prng));
  for (let i = 0; i < 9; i++) cases.push(contentTypeCase(target, prng));
  for (let i = 0; i < 9; i++) cases.push(notAnObjectCase(prng));
  for (let i = 0; i < 4; i++) cases.push(invalidUtf8Case(target, prng));
  cases.push(oversizeCase(target, maxBody, false), oversizeCase(target, maxBody, true));
  return cases;
}

/** One seeded random case of any class; 1 MB and oversized bodies are rarer, as they are slow. */
export function randomCase(target: FuzzTarget, prng: Prng, maxBody: number): FuzzCase {
  const roll = prng.next();
  if (roll < 0.35) return stackedCase(target, prng);
  if (roll < 0.6) {
    const valueClass = prng.pick(VALUE_CLASSES);
    if (valueClass.kind === "1 MB string" && prng.next() < 0.8) return stackedCase(target, prng);
    return fieldCase(target, prng.pick(target.fields), valueClass, prng);
  }
  if (roll < 0.68) return messagesCase(target, prng);
  if (roll < 0.76) return truncatedCase(target, prng);
  if (roll < 0.82) return contentTypeCase(target, prng);
  if (roll < 0.88) return notAnObjectCase(prng);
  if (roll < 0.93) return invalidUtf8Case(target, prng);
  if (roll < 0.97) return deepToolCase(target, prng.int(1, 2000));
  return oversizeCase(target, maxBody, prng.next() < 0.5);
}

function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, Json>)[key];
  }
  return node;
}

/** Sets a nested value; false when an earlier mutation replaced a parent with a scalar. */
function setAt(root: Json, path: Path, value: Json): boolean {
  const parent = getAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== "object") return false;
  (parent as Record<string | number, Json>)[path.at(-1) as string | number] = value;
  return true;
}

function deleteAt(root: Json, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== "object") return;
  const key = path.at(-1) as string | number;
  if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
  else delete (parent as Record<string | number, Json>)[key];
}

function preview(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
}
