import type { Refusal, RefusalKind } from "./refusal.ts";

/** How the request's body is framed. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" };

export interface RequestHead {
  method: string;
  /** The origin-form target: a path with its query. */
  target: string;
  /** The Host header, checked to be host[:port] (empty when an HTTP/1.0 client sent none). */
  host: string;
  minorVersion: 0 | 1;
  /** In arrival order, names lower-cased. */
  headers: Array<[string, string]>;
  framing: BodyFraming;
  expectsContinue: boolean;
  /** Whether the client asks for the connection to stay open after this exchange. */
  keepAlive: boolean;
}

export interface HeadLimits {
  maxBytes: number;
  maxHeaders: number;
}

export type HeadParse =
  | { status: "incomplete" }
  | { status: "refused"; refusal: Refusal }
  | { status: "parsed"; head: RequestHead; length: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;
/** A registered name, an IPv4 address or a bracketed IPv6 one, and an optional port. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(:\d{0,5})?$/;
/** Visible ASCII only: no space, no control byte, nothing past 0x7e, and no fragment. */
const TARGET = /^[\x21-\x22\x24-\x7e]+$/;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses one HTTP/1.x request head from the start of `bytes` (RFC 9112): the request line, the
 * header fields and the body's framing. Lines may end in CRLF or a bare LF; empty lines before
 * the request line are skipped. `scanFrom` says where to start looking for the head's end, for a
 * caller that already looked through the bytes before it.
 */
export function parseRequestHead(bytes: Uint8Array, limits: HeadLimits, scanFrom = 0): HeadParse {
  const start = leadingLineBreaks(bytes);
  const end = headEnd(bytes, Math.max(start, scanFrom));
  if (end === -1) {
    // Skipped line breaks count too: a client sending nothing else must not grow the buffer.
    if (bytes.length > limits.maxBytes) return refused("head_too_large", "request head");
    return { status: "incomplete" };
  }
  if (end > limits.maxBytes) return refused("head_too_large", "request head");
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start)
    .toString("latin1")
    .split("\n")
    .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const requestLine = REQUEST_LINE.exec(lines[0] ?? "");
  if (!requestLine) return refused("bad_request", "the request line is not METHOD TARGET HTTP/1.x");
  const [, method = "", target = "", major, minor] = requestLine;
  if (!TOKEN.test(method)) return refused("bad_request", "the method is not a token");
  if (!TARGET.test(target)) return refused("bad_request", "the target holds bytes a URL cannot");
  if (!target.startsWith("/") && !/^https?:\/\//i.test(target))
    return refused("bad_request", "the target is neither a path nor an absolute URL");
  if (major !== "1") return refused("version_not_supported", `HTTP/${major}.${minor}`);
  const fields = lines.slice(1);
  if (fields.length > limits.maxHeaders)
    return refused("head_too_large", `${fields.length} header fields`);
  const headers: Array<[string, string]> = [];
  for (const line of fields) {
    const field = parseField(line);
    if (typeof field === "string") return refused("bad_request", field);
    headers.push(field);
  }
  const minorVersion = minor === "0" ? 0 : 1;
  const framing = bodyFraming(headers, minorVersion);
  if (typeof framing === "string") return refused("bad_request", framing);
  const hosts = headers.filter(([name]) => name === "host");
  if (minorVersion === 1 && hosts.length === 0)
    return refused("bad_request", "an HTTP/1.1 request needs a Host header");
  if (hosts.length > 1) return refused("bad_request", "more than one Host header");
  const host = hosts[0]?.[1] ?? "";
  if (!HOST.test(host)) return refused("bad_request", "the Host header is not host[:port]");
  return {
    status: "parsed",
    head: {
      method,
      target: originForm(target),
      host,
      minorVersion,
      headers,
      framing,
      expectsContinue: valuesOf(headers, "expect").some((v) => v.toLowerCase() === "100-continue"),
      keepAlive: keepsAlive(headers, minorVersion),
    },
    length: end + lineBreakAt(bytes, end),
  };
}

/** How many CR and LF bytes `bytes` starts with: empty lines a server ignores before a request. */
export function leadingLineBreaks(bytes: Uint8Array): number {
  let count = 0;
  while (count < bytes.length && (bytes[count] === CR || bytes[count] === LF)) count++;
  return count;
}

/** The index where the head's terminating empty line starts, or -1 while it has not come. */
function headEnd(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(LF, from); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (bytes[i + 1] === LF) return i + 1;
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return i + 1;
  }
  return -1;
}

/** The length of the empty line at `at`: CRLF or LF. */
function lineBreakAt(bytes: Uint8Array, at: number): number {
  return bytes[at] === CR ? 2 : 1;
}

function parseField(line: string): [string, string] | string {
  if (line.startsWith(" ") || line.startsWith("\t")) return "folded header lines are obsolete";
  const colon = line.indexOf(":");
  const name = colon === -1 ? "" : line.slice(0, colon);
  if (!TOKEN.test(name)) return "a header line is not NAME: VALUE";
  const value = trimBlanks(line.slice(colon + 1));
  if (hasControlByte(value)) return `the ${name} header holds a control byte`;
  return [name.toLowerCase(), value];
}

/** Only spaces and tabs are whitespace around a field value (RFC 9110 §5.5), not VT or NBSP. */
function trimBlanks(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** Control bytes other than horizontal tab. */
function hasControlByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

function valuesOf(headers: Array<[string, string]>, name: string): string[] {
  return headers
    .filter(([field]) => field === name)
    .flatMap(([, value]) => value.split(","))
    .map(trimBlanks)
    .filter((value) => value !== "");
}

/** RFC 9112 §6.3, strictly: anything that could frame a body two ways is refused. */
function bodyFraming(headers: Array<[string, string]>, minorVersion: 0 | 1): BodyFraming | string {
  const codings = valuesOf(headers, "transfer-encoding").map((v) => v.toLowerCase());
  const lengths = valuesOf(headers, "content-length");
  const hasLength = headers.some(([name]) => name === "content-length");
  if (headers.some(([name]) => name === "transfer-encoding")) {
    if (hasLength) return "Transfer-Encoding and Content-Length together";
    if (minorVersion === 0) return "Transfer-Encoding in an HTTP/1.0 request";
    if (codings.length !== 1 || codings[0] !== "chunked")
      return "the only transfer coding understood is chunked";
    return { kind: "chunked" };
  }
  if (!hasLength) return { kind: "none" };
  if (lengths.length === 0 || lengths.some((v) => !/^\d{1,15}$/.test(v) || v !== lengths[0]))
    return "Content-Length is not one decimal number";
  const length = Number(lengths[0]);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

function keepsAlive(headers: Array<[string, string]>, minorVersion: 0 | 1): boolean {
  const options = valuesOf(headers, "connection").map((v) => v.toLowerCase());
  if (options.includes("close")) return false;
  return minorVersion === 1 || options.includes("keep-alive");
}

/** A proxy-style absolute target keeps only its path and query. */
function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  const slash = target.indexOf("/", target.indexOf("//") + 2);
  return slash === -1 ? "/" : target.slice(slash);
}

function refused(kind: RefusalKind, detail: string): HeadParse {
  return { status: "refused", refusal: { kind, detail } };
}
