/**
 * Opens N sockets to 127.0.0.1:PORT that each send a POST's headers and a few bytes of its
 * 100,000-byte body, prints "opened", then, once every socket is closed (or after LIMIT_MS),
 * prints {"closed","timeouts"} as JSON. Run as its own process, so the test that measures the
 * server meanwhile does not share an event loop with 2,000 sockets.
 */
const [portArg, countArg, limitArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const limitMs = Number(limitArg);
let closed = 0;
let timeouts = 0;
for (let i = 0; i < count; i++) {
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, data) => {
        if (new TextDecoder().decode(data).startsWith("HTTP/1.1 408")) timeouts++;
      },
      close: () => {
        closed++;
      },
    },
  });
  socket.write(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"mod',
  );
}
console.log("opened");
const started = performance.now();
while (closed < count && performance.now() - started < limitMs) await Bun.sleep(10);
console.log(JSON.stringify({ closed, timeouts, ms: performance.now() - started }));
process.exit(0);

export {};
