import type { Socket } from "bun";
import { ChunkedBody } from "./chunked-body.ts";
import type { Refusal, RefusalKind } from "./refusal.ts";
import {
  type HeadLimits,
  leadingLineBreaks,
  parseRequestHead,
  type RequestHead,
} from "./request-head.ts";
import { noContent, type ResponseFraming, responseHead } from "./response-head.ts";

export interface ExchangeHandlers {
  fetch(request: Request): Response | Promise<Response>;
  /** The answer to a request refused here, before (or instead of) the app; `head` if it was read. */
  refuse(refusal: Refusal, head: RequestHead | undefined): Response;
}

export interface ConnectionLimits {
  head: HeadLimits;
  maxBody: number;
  /** How long a request may take to arrive, head and body (--timeout). */
  receiveMs: number;
  /** How long a connection may sit idle between requests (--keep-alive). */
  keepAliveMs: number;
}

/** Shared by one listener's connections: those receiving or handling a request count as busy. */
export interface BusyCount {
  busy: number;
  limit: number;
  /** Paths answered even past the limit (/health), so a supervisor still sees the server. */
  exempt(path: string): boolean;
}

type Phase = "idle" | "head" | "body" | "handling" | "ending" | "closed";

const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");
const EMPTY = new Uint8Array(0);

/**
 * One HTTP/1.1 connection: reads each request whole (head, then body, within --timeout) before
 * the app sees it, so a client that stops mid-request costs a timer and its buffered bytes;
 * then writes the app's response, streaming Server-Sent Events as they come. Requests on one
 * connection are answered in order; pipelined bytes wait until the answer before them is out.
 */
export class HttpConnection {
  private phase: Phase = "idle";
  private input: Uint8Array = EMPTY;
  private head: RequestHead | undefined;
  private bodyParts: Uint8Array[] = [];
  private bodyRemaining = 0;
  private chunked: ChunkedBody | undefined;
  private counted = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly backlog: Uint8Array[] = [];
  private drainWaiters: Array<() => void> = [];
  private endWhenFlushed = false;
  private closeAfterAnswer = false;
  /** How much of `input` was searched for the end of a head. */
  private scanned = 0;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: Socket<HttpConnection>,
    private readonly handlers: ExchangeHandlers,
    private readonly limits: ConnectionLimits,
    private readonly count: BusyCount,
  ) {
    // A connection that never sends a byte closes like one idle between requests.
    this.startTimer(limits.receiveMs);
  }

  /** Whether a request is in the app's hands or its answer is still going out. */
  get handling(): boolean {
    return this.phase === "handling";
  }

  onData(bytes: Uint8Array): void {
    if (this.phase === "closed" || this.phase === "ending") return;
    if (this.phase === "handling") {
      // Pipelined: kept for after this answer, within what one more request may hold.
      // Past it the rest is dropped, and the connection closes after this answer.
      if (this.input.length + bytes.length > this.limits.maxBody + this.limits.head.maxBytes) {
        this.closeAfterAnswer = true;
        return;
      }
      if (!this.closeAfterAnswer) this.input = concat(this.input, bytes);
      return;
    }
    this.input = concat(this.input, bytes);
    this.advance();
  }

  onDrain(): void {
    while (this.backlog.length > 0) {
      const first = this.backlog[0] as Uint8Array;
      const written = this.socket.write(first);
      if (written < 0) return;
      if (written > 0) this.watchStall();
      if (written < first.length) {
        this.backlog[0] = first.subarray(written);
        return;
      }
      this.backlog.shift();
    }
    clearTimeout(this.stallTimer);
    this.wakeDrainWaiters();
    if (this.endWhenFlushed) this.finishEnding();
  }

  onClosed(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearTimeout(this.timer);
    clearTimeout(this.stallTimer);
    this.leaveBusy();
    this.controller?.abort(new Error("client disconnected"));
    void this.reader?.cancel().catch(() => {});
    this.wakeDrainWaiters();
  }

  /** For shutdown: an idle connection ends now; `force` ends any. */
  close(force: boolean): void {
    if (this.phase === "closed") return;
    if (force) this.socket.terminate();
    else if (this.phase === "idle") this.end();
  }

  private advance(): void {
    for (;;) {
      if (this.phase === "idle" || this.phase === "head") {
        if (!this.readHead()) return;
      } else if (this.phase === "body") {
        if (!this.readBody()) return;
      } else return;
    }
  }

  /** True when a head was read and its body is next. */
  private readHead(): boolean {
    if (this.phase === "idle") {
      // Line breaks between requests are dropped (RFC 9112 §2.2): the connection stays idle.
      this.input = this.input.subarray(leadingLineBreaks(this.input));
      if (this.input.length === 0) return false;
      this.phase = "head";
      this.scanned = 0;
      this.enterBusy();
      this.startTimer(this.limits.receiveMs);
    }
    // Where the last look for the head's end stopped, less the 2 bytes a split "\n\r\n" needs.
    const parsed = parseRequestHead(this.input, this.limits.head, Math.max(0, this.scanned - 2));
    this.scanned = this.input.length;
    if (parsed.status === "incomplete") return false;
    if (parsed.status === "refused") {
      this.refuse(parsed.refusal.kind, parsed.refusal.detail);
      return false;
    }
    const head = parsed.head;
    this.head = head;
    this.input = this.input.subarray(parsed.length);
    if (this.count.busy > this.count.limit && !this.count.exempt(requestPath(head))) {
      this.refuse("over_capacity", `${this.count.limit} requests`);
      return false;
    }
    const framing = head.framing;
    if (framing.kind === "none") {
      this.dispatch(EMPTY);
      return false;
    }
    if (framing.kind === "length" && framing.length > this.limits.maxBody) {
      this.refuse("body_too_large", String(framing.length));
      return false;
    }
    if (head.expectsContinue && head.minorVersion === 1 && this.input.length === 0)
      this.write(CONTINUE);
    this.phase = "body";
    this.bodyParts = [];
    this.bodyRemaining = framing.kind === "length" ? framing.length : 0;
    this.chunked = framing.kind === "chunked" ? new ChunkedBody(this.limits.maxBody) : undefined;
    return true;
  }

  /** True when the body is complete (and dispatched). */
  private readBody(): boolean {
    if (this.input.length === 0) return false;
    if (!this.chunked) {
      const take = Math.min(this.bodyRemaining, this.input.length);
      this.bodyParts.push(this.input.slice(0, take));
      this.bodyRemaining -= take;
      this.input = this.input.subarray(take);
      if (this.bodyRemaining > 0) return false;
      this.dispatch(Buffer.concat(this.bodyParts));
      return false;
    }
    const progress = this.chunked.feed(this.input);
    if (progress.status === "malformed") {
      this.refuse("bad_request", progress.detail);
      return false;
    }
    if (progress.status === "too_large") {
      this.refuse("body_too_large", String(progress.length));
      return false;
    }
    this.input = this.input.subarray(progress.consumed);
    if (progress.status === "more") return false;
    this.dispatch(this.chunked.body());
    return false;
  }

  private dispatch(body: Uint8Array<ArrayBuffer>): void {
    const head = this.head as RequestHead;
    this.phase = "handling";
    clearTimeout(this.timer);
    this.bodyParts = [];
    this.chunked = undefined;
    void this.exchange(head, body);
  }

  private async exchange(head: RequestHead, body: Uint8Array<ArrayBuffer>): Promise<void> {
    const request = this.requestOf(head, body);
    if (typeof request === "string") {
      this.refuse("bad_request", request);
      return;
    }
    let response: Response;
    try {
      response = await this.handlers.fetch(request);
    } catch (error) {
      response = this.handlers.refuse({ kind: "internal", detail: String(error) }, head);
    }
    let keepAlive = false;
    try {
      keepAlive = await this.respond(head, response);
    } catch {
      // A stream that failed after its head went out: the client sees the connection end.
      if (this.phase !== "closed") this.socket.terminate();
      return;
    }
    this.controller = undefined;
    this.reader = undefined;
    // The answer counts as handled until its last byte is out (or the stall bound ends it).
    await this.drained();
    if (this.phase !== "handling") return;
    this.leaveBusy();
    if (!keepAlive || this.closeAfterAnswer) {
      this.end();
      return;
    }
    this.phase = "idle";
    this.head = undefined;
    this.startTimer(this.limits.keepAliveMs);
    this.advance();
  }

  /** The request the app sees, or why there can be none. */
  private requestOf(head: RequestHead, body: Uint8Array<ArrayBuffer>): Request | string {
    const url = urlOf(head);
    if (!URL.canParse(url)) return "the target is not a URL path";
    this.controller = new AbortController();
    let request: Request;
    try {
      request = new Request(url, {
        method: head.method,
        headers: head.headers,
        body: body.length === 0 || head.method === "GET" || head.method === "HEAD" ? null : body,
        signal: this.controller.signal,
      });
    } catch (error) {
      return (error as Error).message;
    }
    // Bun's Request turns a method it does not know ("FOO") into GET, and "get" into GET.
    if (request.method !== head.method) return `no such method: ${head.method.slice(0, 16)}`;
    return request;
  }

  /** Writes the response; true if the connection may carry another request. */
  private async respond(head: RequestHead, response: Response): Promise<boolean> {
    let keepAlive =
      !this.closeAfterAnswer &&
      head.keepAlive &&
      response.headers.get("connection")?.toLowerCase() !== "close";
    const status = response.status;
    const streams = response.headers.get("content-type")?.startsWith("text/event-stream");
    if (noContent(status) || response.body === null || (streams && head.method === "HEAD")) {
      const framing: ResponseFraming = noContent(status)
        ? { kind: "none" }
        : { kind: "length", length: 0 };
      this.write(responseHead(status, response.headers, framing, keepAlive));
      void response.body?.cancel().catch(() => {});
      return keepAlive;
    }
    if (!streams) {
      // A HEAD answer says how long the body would be, and sends none.
      this.writeWhole(response, await response.arrayBuffer(), keepAlive, head.method !== "HEAD");
      return keepAlive;
    }
    const chunked = head.minorVersion === 1;
    keepAlive &&= chunked;
    const framing: ResponseFraming = chunked ? { kind: "chunked" } : { kind: "until-close" };
    this.write(responseHead(status, response.headers, framing, keepAlive));
    const reader = response.body.getReader();
    this.reader = reader;
    if (this.phase === "closed") await reader.cancel();
    for (;;) {
      const next = await reader.read();
      if (next.done || this.phase === "closed") break;
      if (next.value.length === 0) continue;
      this.write(chunked ? chunk(next.value) : next.value);
      if (this.backlog.length > 0) await this.drained();
    }
    if (chunked) this.write("0\r\n\r\n");
    return keepAlive;
  }

  private refuse(kind: RefusalKind, detail: string): void {
    const head = this.head;
    clearTimeout(this.timer);
    this.phase = "ending";
    this.leaveBusy();
    const response = this.handlers.refuse({ kind, detail }, head);
    void response.arrayBuffer().then(
      (body) => {
        this.writeWhole(response, body, false, true);
        this.end();
      },
      () => this.end(),
    );
  }

  /** A response whose body is all here: its head with the length, then (unless not sent) it. */
  private writeWhole(
    response: Response,
    body: ArrayBuffer,
    keepAlive: boolean,
    send: boolean,
  ): void {
    const framing: ResponseFraming = { kind: "length", length: body.byteLength };
    const text = responseHead(response.status, response.headers, framing, keepAlive);
    if (send) this.write(concat(Buffer.from(text, "latin1"), new Uint8Array(body)));
    else this.write(text);
  }

  /** Sends FIN once the backlog is out. */
  private end(): void {
    if (this.phase === "closed") return;
    this.phase = "ending";
    clearTimeout(this.timer);
    if (this.backlog.length === 0) this.finishEnding();
    else this.endWhenFlushed = true;
  }

  /**
   * FIN sent; a client that then neither closes nor stops sending is reset, once what the kernel
   * still holds for it has had as long as any other wait.
   */
  private finishEnding(): void {
    this.endWhenFlushed = false;
    this.socket.end();
    clearTimeout(this.timer);
    const ms = Math.max(this.limits.receiveMs, this.limits.keepAliveMs);
    this.timer = setTimeout(() => this.socket.terminate(), ms);
  }

  private write(data: Uint8Array | string): void {
    if (this.phase === "closed") return;
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (this.backlog.length > 0) {
      this.backlog.push(bytes);
      return;
    }
    const written = this.socket.write(bytes);
    if (written >= 0 && written < bytes.length) {
      this.backlog.push(bytes.subarray(written));
      this.watchStall();
    }
  }

  /** A client that takes no bytes for --keep-alive seconds while an answer waits is cut off. */
  private watchStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.socket.terminate(), this.limits.keepAliveMs);
  }

  private drained(): Promise<void> {
    if (this.backlog.length === 0 || this.phase === "closed") return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Idle: the socket just closes. Mid-request: 408. */
  private startTimer(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.phase === "idle") this.end();
      else if (this.phase === "head" || this.phase === "body") this.refuse("timeout", `${ms}`);
    }, ms);
  }

  private enterBusy(): void {
    if (this.counted) return;
    this.counted = true;
    this.count.busy++;
  }

  private leaveBusy(): void {
    if (!this.counted) return;
    this.counted = false;
    this.count.busy--;
  }
}

/**
 * The URL the app sees: the checked Host (or localhost) and the target. Elysia reads the path
 * from the URL's 12th character on, so a host that parses shorter than 4 ("ab:80" is "ab")
 * would have it route on a later "/" (in the query) than the one the API-key check reads.
 */
function urlOf(head: RequestHead): string {
  const url = `http://${head.host}${head.target}`;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return parsed && parsed.host.length >= 4 ? parsed.href : `http://localhost${head.target}`;
}

/** The path the app routes on: what the capacity exemption and refusals' logs name too. */
export function requestPath(head: RequestHead): string {
  const url = urlOf(head);
  return URL.canParse(url) ? new URL(url).pathname : head.target;
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.length === 0) return second;
  if (second.length === 0) return first;
  return Buffer.concat([first, second]);
}

function chunk(data: Uint8Array): Uint8Array {
  return Buffer.concat([
    Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"),
    data,
    Buffer.from("\r\n", "latin1"),
  ]);
}
