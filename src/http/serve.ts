import { type ConnectionLimits, type ExchangeHandlers, HttpConnection } from "./connection.ts";

export interface HttpServeOptions extends ConnectionLimits {
  hostname: string;
  port: number;
  /** Requests received or handled at once; past it each gets `over_capacity`. */
  maxRequests: number;
  /** Paths answered past `maxRequests`. */
  exempt(path: string): boolean;
  handlers: ExchangeHandlers;
}

export interface HttpListener {
  port: number;
  /** Stops accepting, lets answers in progress finish for up to `graceMs`, then closes the rest. */
  stop(graceMs: number): Promise<void>;
}

/**
 * An HTTP/1.1 server on Bun's TCP sockets. Bun.serve's own parser answers 505 to a request
 * line it cannot read and builds a Request for every head it sees; this one answers 400 and
 * builds none until the whole request is in (see HttpConnection).
 */
export function serveHttp(options: HttpServeOptions): HttpListener {
  const count = { busy: 0, limit: options.maxRequests, exempt: options.exempt };
  const connections = new Set<HttpConnection>();
  const listener = Bun.listen<HttpConnection>({
    hostname: options.hostname,
    port: options.port,
    exclusive: true,
    socket: {
      binaryType: "uint8array",
      open(socket) {
        socket.data = new HttpConnection(socket, options.handlers, options, count);
        connections.add(socket.data);
      },
      data(socket, bytes) {
        socket.data.onData(bytes);
      },
      drain(socket) {
        socket.data.onDrain();
      },
      close(socket) {
        socket.data?.onClosed();
        connections.delete(socket.data);
      },
      // A socket error, or a throw in a handler above: either way this connection is done.
      error(socket) {
        socket.data?.onClosed();
        connections.delete(socket.data);
        socket.terminate();
      },
    },
  });
  return {
    port: listener.port,
    async stop(graceMs) {
      listener.stop(false);
      for (const connection of connections) connection.close(false);
      const deadline = performance.now() + graceMs;
      while ([...connections].some((c) => c.handling) && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      for (const connection of connections) connection.close(true);
    },
  };
}
