import type { CompletionRecord } from "../request-log.ts";
import type { ServerState } from "./server-state.ts";

const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SPEED_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
const KNOWN_ROUTES = [
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/models",
  "/health",
  "/slots",
  "/metrics",
  "/tokenize",
  "/detokenize",
  "/docs",
  "/",
];

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private total = 0;

  constructor(private readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.total++;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  render(name: string, help: string): string[] {
    return [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} histogram`,
      ...this.buckets.map((bound, i) => `${name}_bucket{le="${bound}"} ${this.counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.total}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.total}`,
    ];
  }
}

/** Prometheus metrics: counted as requests finish, gauges read from the state at scrape time. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private promptTokens = 0;
  private completionTokens = 0;
  private cachedTokens = 0;
  private readonly ttft = new Histogram(TTFT_BUCKETS);
  private readonly decodeSpeed = new Histogram(SPEED_BUCKETS);

  /** Counts one HTTP answer; unknown paths share one label so scanners cannot blow up the series. */
  request(path: string, status: number): void {
    const route =
      KNOWN_ROUTES.find(
        (known) => path === known || (known !== "/" && path.startsWith(`${known}/`)),
      ) ?? "other";
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  completion(record: CompletionRecord): void {
    this.promptTokens += record.usage.promptTokens;
    this.completionTokens += record.usage.completionTokens;
    this.cachedTokens += record.usage.cachedTokens;
    this.ttft.observe(record.firstTokenMs / 1000);
    const decodeSeconds = (record.totalMs - record.firstTokenMs) / 1000;
    if (record.usage.completionTokens > 1 && decodeSeconds > 0) {
      this.decodeSpeed.observe((record.usage.completionTokens - 1) / decodeSeconds);
    }
  }

  render(state: ServerState): string {
    const service = state.service;
    const busy = service ? service.engine.slots().filter((slot) => slot.busy).length : 0;
    const speculation = service?.engine.stats().speculation ?? { drafted: 0, accepted: 0 };
    const lines = [
      "# HELP glm_requests_total HTTP requests answered, by route and status.",
      "# TYPE glm_requests_total counter",
      ...[...this.requests].map(([labels, count]) => `glm_requests_total{${labels}} ${count}`),
      ...counter("glm_prompt_tokens_total", "Prompt tokens processed.", this.promptTokens),
      ...counter("glm_completion_tokens_total", "Tokens generated.", this.completionTokens),
      ...counter(
        "glm_cached_prompt_tokens_total",
        "Prompt tokens reused from a slot's KV cache.",
        this.cachedTokens,
      ),
      ...counter(
        "glm_draft_tokens_total",
        "Tokens drafted by prompt lookup and checked by the model.",
        speculation.drafted,
      ),
      ...counter(
        "glm_draft_accepted_tokens_total",
        "Drafted tokens the model sampled too; accepted over drafted is the acceptance rate.",
        speculation.accepted,
      ),
      ...this.ttft.render("glm_time_to_first_token_seconds", "Time from request to first token."),
      ...this.decodeSpeed.render(
        "glm_decode_tokens_per_second",
        "Decode speed of each completion.",
      ),
      ...gauge("glm_queue_waiting", "Requests waiting for a slot.", service?.queue.waiting ?? 0),
      ...gauge("glm_queue_active", "Requests holding a slot.", service?.queue.active ?? 0),
      ...gauge("glm_slots_busy", "Engine slots generating or prefilling.", busy),
      ...gauge("glm_model_loaded", "1 once the model is loaded.", service ? 1 : 0),
    ];
    return `${lines.join("\n")}\n`;
  }
}

function counter(name: string, help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`];
}

function gauge(name: string, help: string, value: number): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`];
}
