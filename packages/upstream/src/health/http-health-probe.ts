import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthProbe, ProbeTransport } from './health-probe.js';

export interface HttpHealthCheck {
  /** Request path. Default '/'. */
  readonly path?: string;
  /** Host header (Envoy's `host`). Default the endpoint's address. */
  readonly host?: string;
  /** Half-open status ranges [start, end) counted as healthy (Envoy's `expected_statuses`). Default [[200, 201)]. */
  readonly expectedStatuses?: readonly (readonly [number, number])[];
  /**
   * Half-open status ranges that count toward the unhealthy threshold like a connect failure
   * (Envoy's `retriable_statuses`); any other unexpected status marks the endpoint unhealthy at once.
   */
  readonly retriableStatuses?: readonly (readonly [number, number])[];
}

type StatusRanges = readonly (readonly [number, number])[];

/** Envoy's, so applications that tell health checks apart by user agent keep working. */
const HEALTH_CHECK_USER_AGENT = 'Envoy/HC';

const DEFAULT_EXPECTED: StatusRanges = [[200, 201]];

const within = (ranges: StatusRanges, status: number): boolean => ranges.some(([start, end]) => status >= start && status < end);

/** GET `path` on a fresh connection; healthy when the status is in an expected range. */
export function httpHealthProbe(check: HttpHealthCheck, transport: ProbeTransport): HealthProbe {
  const expected = check.expectedStatuses ?? DEFAULT_EXPECTED;
  const retriable = check.retriableStatuses ?? [];
  const send = transport.tls === undefined ? httpRequest : httpsRequest;
  return (endpoint, signal) =>
    new Promise<boolean>((resolve, reject) => {
      const req = send(
        {
          ...transport.tls,
          host: endpoint.address,
          port: endpoint.port,
          path: check.path ?? '/',
          method: 'GET',
          headers: { host: check.host ?? endpoint.address, 'user-agent': HEALTH_CHECK_USER_AGENT, connection: 'close' },
          agent: false,
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          if (within(expected, status)) resolve(true);
          else if (within(retriable, status)) reject(new Error(`health check got retriable status ${status}`));
          else resolve(false);
        },
      );
      req.on('error', reject);
      req.end();
    });
}
