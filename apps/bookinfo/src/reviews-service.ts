import type { IncomingMessage } from 'node:http';
import { REVIEW_TEXTS } from './catalog.js';
import { methodNotAllowed, notFound, sendJson } from './http-response.js';
import type { OutboundClient } from './outbound-client.js';
import { NON_NUMERIC_ID_ERROR, parseProductId } from './product-id.js';
import { isReadMethod, pathSegments, requestPath } from './request-path.js';
import type { RequestHandler } from './request-path.js';
import { RATINGS_UNAVAILABLE } from './reviews-payload.js';
import type { Rating, Review, ReviewsPayload, StarColor } from './reviews-payload.js';
import { propagatedHeaders } from './trace-headers.js';

export type ReviewsVersion = 'v1' | 'v2' | 'v3';

export interface ReviewsSettings {
  readonly version: ReviewsVersion;
  readonly enableRatings: boolean;
  readonly starColor: StarColor;
  readonly podName: string;
  readonly clusterName: string | null;
  readonly ratingsTimeoutMs: number;
}

/**
 * reviews: `GET /reviews/{id}`. v1 answers without ratings; v2 and v3 ask ratings and attach
 * each reviewer's stars in their colour, or an error rating when ratings cannot be reached.
 */
export function reviewsHandler(settings: ReviewsSettings, client: OutboundClient): RequestHandler {
  return async (req, res) => {
    const [first, id, ...rest] = pathSegments(requestPath(req));
    if (rest.length > 0) return notFound(res);
    if (first === 'health' && id === undefined) {
      if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { status: 'Reviews is healthy' });
    }
    if (first !== 'reviews' || id === undefined) return notFound(res);
    if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
    const productId = parseProductId(id);
    if (productId === null) return sendJson(res, 400, { error: NON_NUMERIC_ID_ERROR });

    const stars = settings.enableRatings ? await fetchStars(req, productId, settings, client) : undefined;
    const payload: ReviewsPayload = {
      id: productId,
      podname: settings.podName,
      clustername: settings.clusterName,
      version: settings.version,
      reviews: REVIEW_TEXTS.map((review): Review => {
        if (stars === undefined) return review;
        return { ...review, rating: ratingFor(review.reviewer, stars, settings.starColor) };
      }),
    };
    sendJson(res, 200, payload);
  };
}

/** Stars per reviewer from the ratings service, or `null` when it did not give a usable answer. */
async function fetchStars(
  req: IncomingMessage,
  productId: number,
  settings: ReviewsSettings,
  client: OutboundClient,
): Promise<Readonly<Record<string, unknown>> | null> {
  const result = await client.get({
    service: 'ratings',
    path: `/ratings/${productId}`,
    headers: propagatedHeaders(req.headers),
    timeoutMs: settings.ratingsTimeoutMs,
  });
  if (result.kind !== 'response' || result.status !== 200) return null;
  const body = result.body as { ratings?: unknown } | undefined;
  const ratings = body?.ratings;
  return typeof ratings === 'object' && ratings !== null ? (ratings as Record<string, unknown>) : null;
}

function ratingFor(reviewer: string, stars: Readonly<Record<string, unknown>> | null, color: StarColor): Rating {
  // The swagger types a rating as a string, Istio's ratings answers numbers: accept both.
  const raw = stars?.[reviewer];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw !== '' ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 0 || value > 5) return { error: RATINGS_UNAVAILABLE };
  return { stars: value, color };
}
