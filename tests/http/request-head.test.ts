import { describe, expect, test } from "bun:test";
import type { RefusalKind } from "../../src/http/refusal.ts";
import { type BodyFraming, type HeadParse, parseRequestHead } from "../../src/http/request-head.ts";

const LIMITS = { maxBytes: 1024, maxHeaders: 8 };
const parse = (text: string) => parseRequestHead(Buffer.from(text, "latin1"), LIMITS);

function head(text: string) {
  const parsed = parse(text);
  if (parsed.status !== "parsed") throw new Error(`not parsed: ${JSON.stringify(parsed)}`);
  return parsed.head;
}

describe("parseRequestHead", () => {
  test("a GET: method, target, version and lower-cased headers in order", () => {
    const parsed = parse("GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\nX-Two: b\r\n\r\nrest");
    expect(parsed).toEqual({
      status: "parsed",
      head: {
        method: "GET",
        target: "/v1/models?x=1",
        host: "a",
        minorVersion: 1,
        headers: [
          ["host", "a"],
          ["x-two", "b"],
        ],
        framing: { kind: "none" },
        expectsContinue: false,
        keepAlive: true,
      },
      length: "GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\nX-Two: b\r\n\r\n".length,
    });
  });

  const cases: Array<[string, string, HeadParse]> = [
    ["no empty line yet", "GET / HTTP/1.1\r\nHost: a\r\n", { status: "incomplete" }],
    ["nothing yet", "", { status: "incomplete" }],
  ];
  for (const [name, text, expected] of cases)
    test(name, () => expect(parse(text)).toEqual(expected));

  test("bare LF line ends and empty lines before the request line are taken", () => {
    const parsed = parse("\r\n\nGET / HTTP/1.1\nHost: a\n\nbody");
    expect(parsed.status).toBe("parsed");
    if (parsed.status === "parsed")
      expect(parsed.length).toBe("\r\n\nGET / HTTP/1.1\nHost: a\n\n".length);
  });

  const refusals: Array<[string, string, RefusalKind]> = [
    ["a NUL in the path", "GET /a\u0000b HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["a space in the path", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["a fragment in the target", "GET /health#x HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["a byte past 0x7e in the path", "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["no version", "GET /\r\nHost: a\r\n\r\n", "bad_request"],
    ["a method that is no token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["an asterisk target", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "bad_request"],
    ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "version_not_supported"],
    ["HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", "bad_request"],
    ["a folded header line", "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", "bad_request"],
    ["a header line without a colon", "GET / HTTP/1.1\r\nHost: a\r\nnope\r\n\r\n", "bad_request"],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "bad_request"],
    ["a control byte in a value", "GET / HTTP/1.1\r\nHost: a\u0001\r\n\r\n", "bad_request"],
    [
      "two different Content-Lengths",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
      "bad_request",
    ],
    [
      "a negative Content-Length",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
      "bad_request",
    ],
    [
      "a Content-Length that is no number",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n",
      "bad_request",
    ],
    [
      "Transfer-Encoding with Content-Length",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      "bad_request",
    ],
    [
      "a transfer coding other than chunked",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "bad_request",
    ],
    [
      "Transfer-Encoding in HTTP/1.0",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "bad_request",
    ],
    [
      "more header fields than the limit",
      `GET / HTTP/1.1\r\nHost: a\r\n${"X: 1\r\n".repeat(8)}\r\n`,
      "head_too_large",
    ],
    [
      "a head past the byte limit, still arriving",
      `GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(1100)}`,
      "head_too_large",
    ],
    [
      "a Host that carries a path",
      "GET /health HTTP/1.1\r\nHost: aaaa/v1/chat/completions?\r\n\r\n",
      "bad_request",
    ],
    ["two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "bad_request"],
    [
      "a form feed before a Content-Length",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \f5\r\n\r\n",
      "bad_request",
    ],
    [
      "a no-break space before chunked",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \u00a0chunked\r\n\r\n",
      "bad_request",
    ],
    [
      "an empty Transfer-Encoding with a Content-Length",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\nContent-Length: 5\r\n\r\n",
      "bad_request",
    ],
    ["line breaks alone, past the byte limit", "\r\n".repeat(600), "head_too_large"],
    ["random bytes with an empty line", "\u00ff\u0001zz\r\n\r\n", "bad_request"],
  ];
  for (const [name, text, kind] of refusals) {
    test(`refused: ${name}`, () => {
      const parsed = parse(text);
      expect(parsed.status).toBe("refused");
      if (parsed.status === "refused") expect(parsed.refusal.kind).toBe(kind);
    });
  }

  const framings: Array<[string, string, BodyFraming]> = [
    ["Content-Length", "Content-Length: 12", { kind: "length", length: 12 }],
    ["a repeated, equal Content-Length", "Content-Length: 12, 12", { kind: "length", length: 12 }],
    ["Content-Length 0", "Content-Length: 0", { kind: "none" }],
    ["chunked", "Transfer-Encoding: Chunked", { kind: "chunked" }],
  ];
  for (const [name, field, framing] of framings) {
    test(`framing: ${name}`, () => {
      expect(head(`POST / HTTP/1.1\r\nHost: a\r\n${field}\r\n\r\n`).framing).toEqual(framing);
    });
  }

  test("a Host may be a name, an address or a bracketed IPv6 address, with a port", () => {
    for (const host of ["localhost", "10.0.0.1:8080", "[::1]:8080", "example.com", ""])
      expect(head(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`).host).toBe(host);
  });

  test("keep-alive: HTTP/1.1 unless Connection: close; HTTP/1.0 only if asked", () => {
    expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keepAlive).toBe(false);
    expect(head("GET / HTTP/1.0\r\n\r\n").keepAlive).toBe(false);
    expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive).toBe(true);
  });

  test("Expect: 100-continue is seen, and an absolute target keeps its path", () => {
    const parsed = head(
      "POST http://example.com:80/v1/x?y HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n",
    );
    expect(parsed.expectsContinue).toBe(true);
    expect(parsed.target).toBe("/v1/x?y");
    expect(head("GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n").target).toBe("/");
  });
});
