const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** Headers this server frames itself; the app's own values for them are dropped. */
const FRAMING = new Set(["connection", "content-length", "transfer-encoding", "keep-alive"]);

export type ResponseFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "until-close" };

let dateSecond = 0;
let dateText = "";

/** The status line and header block of a response, ending with the empty line. */
export function responseHead(
  status: number,
  headers: Headers,
  framing: ResponseFraming,
  keepAlive: boolean,
): string {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\ndate: ${httpDate()}\r\n`;
  headers.forEach((value, name) => {
    if (!FRAMING.has(name)) head += `${name}: ${value}\r\n`;
  });
  if (framing.kind === "length") head += `content-length: ${framing.length}\r\n`;
  if (framing.kind === "chunked") head += "transfer-encoding: chunked\r\n";
  head += keepAlive ? "connection: keep-alive\r\n" : "connection: close\r\n";
  return `${head}\r\n`;
}

/** Statuses whose responses never carry a body or its length (RFC 9110 §6.4.1). */
export function noContent(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
