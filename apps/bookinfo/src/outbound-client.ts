import { Agent, request } from 'undici';

/** The services bookinfo calls, each on Kubernetes service port 9080 as in Istio's manifest. */
export type UpstreamService = 'details' | 'reviews' | 'ratings';

const SERVICE_PORT = 9080;

/**
 * One outbound call's outcome. A response of any status is a `response` (the caller decides
 * what a 503 means); `failure` is no response at all: refused, reset or timed out.
 */
export type OutboundResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'failure'; readonly reason: string };

export interface OutboundCall {
  readonly service: UpstreamService;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Tries in all; another try follows a failure or a 5xx. Default 1. */
  readonly attempts?: number | undefined;
}

/**
 * Sends an app's outbound calls. With an outbound base URL (the sidecar's outbound listener)
 * every call goes to that one address and says which service it means in its Host header,
 * as an app's traffic looks under Istio once iptables has captured it. Without one, calls go
 * to `http://<service>:9080` directly, which resolves by DNS the way plain Kubernetes does.
 */
export class OutboundClient {
  readonly #agent = new Agent({ keepAliveTimeout: 4_000 });
  readonly #outboundOrigin: string | undefined;

  constructor(outboundOrigin: string | undefined) {
    this.#outboundOrigin = outboundOrigin;
  }

  /** Where a call for `service` is sent and the Host header it carries. */
  target(service: UpstreamService): { readonly origin: string; readonly host: string } {
    const host = `${service}:${SERVICE_PORT}`;
    return { origin: this.#outboundOrigin ?? `http://${host}`, host };
  }

  async get(call: OutboundCall): Promise<OutboundResult> {
    const attempts = Math.max(1, call.attempts ?? 1);
    let result: OutboundResult = { kind: 'failure', reason: 'not attempted' };
    for (let attempt = 0; attempt < attempts; attempt++) {
      result = await this.#getOnce(call);
      if (result.kind === 'response' && result.status < 500) return result;
    }
    return result;
  }

  /**
   * Closes pooled connections. Called once the service stops serving, so any call still
   * pending belongs to a request nobody waits for any more: it is aborted, not awaited.
   */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  async #getOnce(call: OutboundCall): Promise<OutboundResult> {
    const { origin, host } = this.target(call.service);
    try {
      const response = await request(`${origin}${call.path}`, {
        method: 'GET',
        headers: { ...call.headers, host, accept: 'application/json' },
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      const text = await response.body.text();
      return { kind: 'response', status: response.statusCode, body: parseJson(text) };
    } catch (error) {
      return { kind: 'failure', reason: describeFailure(error) };
    }
  }
}

/** The body as JSON, or `undefined` when it is not JSON (an HTML error page from a proxy). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}
