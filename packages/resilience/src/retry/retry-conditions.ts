/**
 * Envoy's retry conditions (`retry_on`, `x-envoy-retry-on` and the gRPC ones of
 * `x-envoy-retry-grpc-on`), and which upstream outcomes each one retries.
 */
export const RETRY_CONDITIONS = Object.freeze([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const);

export type RetryCondition = (typeof RETRY_CONDITIONS)[number];

/**
 * Why an attempt ended without a response:
 * - `connect-failure`: no connection (refused, unreachable, connect timeout, TLS handshake);
 *   nothing of the request was sent.
 * - `refused-stream`: an HTTP/2 upstream refused the stream before processing it.
 * - `reset`: the connection or stream was reset, or closed, after the request went out.
 * - `timeout`: the attempt's per-try timeout fired.
 * - `overflow`: a circuit breaker refused the request; never retried, as in Envoy.
 */
export type UpstreamResetReason = 'connect-failure' | 'refused-stream' | 'reset' | 'timeout' | 'overflow';

/** Reads one response header by its lower-case name (first value when repeated). */
export type ResponseHeaderReader = (name: string) => string | undefined;

/** Whether a response's headers match (one of Envoy's `retriable_headers`). */
export type ResponseHeaderTest = (header: ResponseHeaderReader) => boolean;

/** gRPC status codes some conditions name. */
const GRPC_STATUS_BY_CONDITION: Readonly<Partial<Record<RetryCondition, number>>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

const CONDITION_SET: ReadonlySet<string> = new Set(RETRY_CONDITIONS);

export function isRetryCondition(name: string): name is RetryCondition {
  return CONDITION_SET.has(name);
}

/** The conditions on gRPC statuses (what `x-envoy-retry-grpc-on` may name; the rest are HTTP's). */
export function isGrpcRetryCondition(name: string): boolean {
  return isRetryCondition(name) && GRPC_STATUS_BY_CONDITION[name] !== undefined;
}

/** The set of conditions one request retries on, compiled once per policy. */
export class RetryConditions {
  readonly #on: ReadonlySet<RetryCondition>;
  readonly #statusCodes: ReadonlySet<number>;
  readonly #grpcStatuses: ReadonlySet<number>;
  readonly #retriableHeaders: readonly ResponseHeaderTest[];

  /**
   * `conditions` must all be known (see `isRetryCondition`); `statusCodes` feed
   * `retriable-status-codes`, `retriableHeaders` (a response matching any) `retriable-headers`.
   */
  constructor(conditions: readonly RetryCondition[], statusCodes: readonly number[] = [], retriableHeaders: readonly ResponseHeaderTest[] = []) {
    this.#on = new Set(conditions);
    this.#statusCodes = new Set(statusCodes);
    this.#retriableHeaders = retriableHeaders;
    const grpc = new Set<number>();
    for (const condition of conditions) {
      const status = GRPC_STATUS_BY_CONDITION[condition];
      if (status !== undefined) grpc.add(status);
    }
    this.#grpcStatuses = grpc;
  }

  get empty(): boolean {
    return this.#on.size === 0;
  }

  has(condition: RetryCondition): boolean {
    return this.#on.has(condition);
  }

  /** Whether a response with these headers would be retried (before counting retries left). */
  retriesResponse(status: number, header: ResponseHeaderReader): boolean {
    const on = this.#on;
    // An upstream Envoy that rate-limited the request says so; only `envoy-ratelimited` retries that.
    if (header('x-envoy-ratelimited') !== undefined) return on.has('envoy-ratelimited');
    if (status >= 500 && status < 600 && on.has('5xx')) return true;
    if ((status === 502 || status === 503 || status === 504) && on.has('gateway-error')) return true;
    if (status === 409 && on.has('retriable-4xx')) return true;
    if (on.has('retriable-status-codes') && this.#statusCodes.has(status)) return true;
    if (on.has('retriable-headers') && this.#retriableHeaders.some((test) => test(header))) return true;
    if (this.#grpcStatuses.size > 0) {
      const grpcStatus = header('grpc-status');
      if (grpcStatus !== undefined && this.#grpcStatuses.has(Number(grpcStatus))) return true;
    }
    return false;
  }

  /** Whether an attempt that ended without a response would be retried. */
  retriesReset(reason: UpstreamResetReason): boolean {
    if (reason === 'overflow') return false;
    const on = this.#on;
    // An upstream that did not answer at all counts as a 5xx (and as a gateway error: Envoy answers 503/504).
    if (on.has('5xx') || on.has('gateway-error') || on.has('reset')) return true;
    if (reason === 'connect-failure') return on.has('connect-failure') || on.has('reset-before-request');
    return reason === 'refused-stream' && on.has('refused-stream');
  }
}
