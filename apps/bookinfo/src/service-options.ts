import { BookinfoConfigError } from './errors.js';
import type { StarColor } from './reviews-payload.js';
import type { ReviewsSettings, ReviewsVersion } from './reviews-service.js';
import type { ProductpageSettings } from './productpage/productpage-settings.js';

export type ServiceName = 'productpage' | 'details' | 'reviews' | 'ratings';

export const SERVICE_NAMES: readonly ServiceName[] = ['productpage', 'details', 'reviews', 'ratings'];
export const REVIEWS_VERSIONS: readonly ReviewsVersion[] = ['v1', 'v2', 'v3'];
export const STAR_COLORS: readonly StarColor[] = ['black', 'red'];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9080;

/** Per-call timeouts of outbound calls. Defaults follow Istio's sample, which demos rely on. */
export interface OutboundTimeouts {
  /** productpage → details; default 3000. */
  readonly detailsMs?: number | undefined;
  /** productpage → reviews, per try; default 3000. */
  readonly reviewsMs?: number | undefined;
  /** productpage → reviews tries; default 2. */
  readonly reviewsAttempts?: number | undefined;
  /** → ratings; default 3000 from productpage, and from reviews 10000 with black stars, 2500 with red. */
  readonly ratingsMs?: number | undefined;
}

export interface StartServiceOptions {
  /** Bind address; default 127.0.0.1. */
  readonly host?: string | undefined;
  /** Port; default 9080, 0 picks a free one. */
  readonly port?: number | undefined;
  /** Base URL of the sidecar's outbound listener; unset means calling `http://<service>:9080`. */
  readonly outbound?: string | undefined;
  /** reviews: which deployment this is; default v1. */
  readonly version?: ReviewsVersion | undefined;
  /** reviews: whether to ask ratings; default true for v2 and v3. */
  readonly enableRatings?: boolean | undefined;
  /** reviews: star colour; default red for v3, black otherwise. */
  readonly starColor?: StarColor | undefined;
  /** reviews: `podname` in answers; default `reviews-<version>`. */
  readonly podName?: string | undefined;
  /** reviews: `clustername` in answers; default null. */
  readonly clusterName?: string | undefined;
  readonly timeouts?: OutboundTimeouts | undefined;
}

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/**
 * The origin to send outbound calls to, from a base URL such as `http://127.10.2.3:15001`;
 * `null` when it is not an http(s) URL naming only scheme, host and port.
 */
export function outboundOrigin(baseUrl: string): string | null {
  if (!URL.canParse(baseUrl)) return null;
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return null;
  }
  return url.origin;
}

export function reviewsSettings(options: StartServiceOptions): ReviewsSettings {
  const version = options.version ?? 'v1';
  const starColor = options.starColor ?? (version === 'v3' ? 'red' : 'black');
  return {
    version,
    enableRatings: options.enableRatings ?? version !== 'v1',
    starColor,
    podName: options.podName ?? `reviews-${version}`,
    clusterName: options.clusterName ?? null,
    // Istio's reviews waits 10 s for ratings with black stars and 2.5 s with red; the
    // fault-injection walkthrough finds exactly that difference.
    ratingsTimeoutMs: options.timeouts?.ratingsMs ?? (starColor === 'black' ? 10_000 : 2_500),
  };
}

export function productpageSettings(options: StartServiceOptions): ProductpageSettings {
  const timeouts = options.timeouts;
  return {
    detailsTimeoutMs: timeouts?.detailsMs ?? 3_000,
    reviewsTimeoutMs: timeouts?.reviewsMs ?? 3_000,
    reviewsAttempts: timeouts?.reviewsAttempts ?? 2,
    ratingsTimeoutMs: timeouts?.ratingsMs ?? 3_000,
  };
}

/** Throws a `BookinfoConfigError` for options no service can run with. */
export function assertValidOptions(name: string, options: StartServiceOptions): void {
  if (!isServiceName(name)) throw new BookinfoConfigError('service', name, SERVICE_NAMES.join(' | '));
  if (options.port !== undefined && !isValidPort(options.port)) {
    throw new BookinfoConfigError('port', String(options.port), 'an integer from 0 to 65535');
  }
  if (options.outbound !== undefined && outboundOrigin(options.outbound) === null) {
    throw new BookinfoConfigError('outbound', options.outbound, 'an http URL such as http://127.10.2.3:15001');
  }
  if (options.version !== undefined && !REVIEWS_VERSIONS.includes(options.version)) {
    throw new BookinfoConfigError('version', options.version, REVIEWS_VERSIONS.join(' | '));
  }
  if (options.starColor !== undefined && !STAR_COLORS.includes(options.starColor)) {
    throw new BookinfoConfigError('starColor', options.starColor, STAR_COLORS.join(' | '));
  }
  for (const [key, value] of Object.entries(options.timeouts ?? {})) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
      throw new BookinfoConfigError(`timeouts.${key}`, String(value), 'a positive integer');
    }
  }
}
