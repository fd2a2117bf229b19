import { describe, expect, test } from "bun:test";
import { ChunkedBody, type ChunkedProgress } from "../../src/http/chunked-body.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");

describe("ChunkedBody", () => {
  const wellFormed: Array<[string, string, string]> = [
    ["one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["two chunks, hex sizes", "3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", "abc0123456789"],
    ["a chunk extension", "5;name=value\r\nhello\r\n0\r\n\r\n", "hello"],
    ["trailer fields", "2\r\nhi\r\n0\r\nX-Trailer: 1\r\n\r\n", "hi"],
    ["bare LF line ends", "2\nhi\n0\n\n", "hi"],
    ["an empty body", "0\r\n\r\n", ""],
  ];
  for (const [name, wire, body] of wellFormed) {
    test(`${name}, whole`, () => {
      const decoder = new ChunkedBody(1024);
      expect(decoder.feed(bytes(wire))).toEqual({ status: "done", consumed: wire.length });
      expect(Buffer.from(decoder.body()).toString("latin1")).toBe(body);
    });
    test(`${name}, a byte at a time`, () => {
      const decoder = new ChunkedBody(1024);
      const results = [...wire].map((char) => decoder.feed(bytes(char)).status);
      expect(results.at(-1)).toBe("done");
      expect(results.slice(0, -1).every((status) => status === "more")).toBe(true);
      expect(Buffer.from(decoder.body()).toString("latin1")).toBe(body);
    });
  }

  test("bytes after the last chunk are not consumed: they are the next request", () => {
    const decoder = new ChunkedBody(1024);
    expect(decoder.feed(bytes("2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1"))).toEqual({
      status: "done",
      consumed: 12,
    });
  });

  const broken: Array<[string, string, ChunkedProgress["status"]]> = [
    ["a size that is not hex", "zz\r\n{}\r\n0\r\n\r\n", "malformed"],
    ["a negative size", "-1\r\n\r\n", "malformed"],
    ["data longer than its size", "2\r\n{}}\r\n", "malformed"],
    ["a size past the limit", "ffffffffffff\r\n{", "too_large"],
    ["chunks that add up past the limit", "200\r\n", "too_large"],
  ];
  for (const [name, wire, status] of broken) {
    test(`refused: ${name}`, () => {
      expect(new ChunkedBody(256).feed(bytes(wire)).status).toBe(status);
    });
  }
});
