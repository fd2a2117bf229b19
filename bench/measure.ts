/** One streamed completion, timed: when the first token came, when the last did, how many. */
export interface StreamTiming {
  firstTokenMs: number;
  totalMs: number;
  tokens: number;
  text: string;
}

type Message = { role: "system" | "user" | "assistant"; content: string };

/**
 * Streams one chat completion at temperature 0 with ignore_eos and times each content chunk;
 * `stamps`, when given, receives each chunk's performance.now().
 */
export async function timedStream(
  url: string,
  messages: Message[],
  maxTokens: number,
  stamps?: number[],
): Promise<StreamTiming> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    // A fresh connection each time: a reused idle one may already be closed by the server.
    headers: { "content-type": "application/json", connection: "close" },
    keepalive: false,
    body: JSON.stringify({
      model: "bench",
      messages,
      max_tokens: maxTokens,
      temperature: 0,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!response.ok || !response.body)
    throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  let firstTokenMs = -1;
  let lastTokenMs = 0;
  let text = "";
  let tokens = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const data = event.replace(/^data: /, "");
      if (data === "[DONE]" || !data.startsWith("{")) continue;
      const json = JSON.parse(data);
      if (json.usage?.completion_tokens) tokens = json.usage.completion_tokens;
      const delta = json.choices?.[0]?.delta?.content;
      if (typeof delta === "string" && delta.length > 0) {
        stamps?.push(performance.now());
        const now = performance.now() - started;
        if (firstTokenMs < 0) firstTokenMs = now;
        lastTokenMs = now;
        text += delta;
      }
    }
  }
  return {
    firstTokenMs,
    totalMs: Math.max(lastTokenMs, performance.now() - started),
    tokens,
    text,
  };
}

/** Decode speed of one stream: tokens after the first, over the time after the first. */
export function decodeRate(timing: StreamTiming): number {
  const seconds = (timing.totalMs - timing.firstTokenMs) / 1000;
  return seconds > 0 ? (timing.tokens - 1) / seconds : 0;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Samples GET /health every `everyMs` until stopped; returns each latency in ms. */
export function sampleHealth(url: string, everyMs: number): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/health`).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - started);
      await Bun.sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}
