import type { CompletionUsage, FinishReason } from "./api/completion-service.ts";

export interface CompletionRecord {
  id: string;
  status: number;
  stream: boolean;
  finish: FinishReason;
  usage: CompletionUsage;
  firstTokenMs: number;
  totalMs: number;
  /** Present only with --log-prompts. */
  transcript?: { prompt: string; reply: string };
}

/** One JSON line per request on stderr; prompt and reply text only when --log-prompts put them in. */
export class RequestLog {
  constructor(private readonly write: (line: string) => void = (line) => console.error(line)) {}

  completion(record: CompletionRecord): void {
    const decodeMs = record.totalMs - record.firstTokenMs;
    const tokensPerSecond =
      decodeMs > 0 && record.usage.completionTokens > 1
        ? ((record.usage.completionTokens - 1) * 1000) / decodeMs
        : 0;
    this.line({
      event: "completion",
      id: record.id,
      status: record.status,
      stream: record.stream,
      finish: record.finish,
      prompt_tokens: record.usage.promptTokens,
      cached_tokens: record.usage.cachedTokens,
      completion_tokens: record.usage.completionTokens,
      ttft_ms: round(record.firstTokenMs),
      total_ms: round(record.totalMs),
      tokens_per_s: round(tokensPerSecond),
      ...(record.transcript
        ? { prompt: record.transcript.prompt, reply: record.transcript.reply }
        : {}),
    });
  }

  failure(method: string, path: string, status: number, code: string | null): void {
    this.line({ event: "error", method, path, status, code });
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    this.line({ event: "info", message, ...fields });
  }

  private line(fields: Record<string, unknown>): void {
    this.write(JSON.stringify({ time: new Date().toISOString(), ...fields }));
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
