import type { IncomingMessage, ServerResponse } from 'node:http';
import { PRODUCTS, findProduct } from '../catalog.js';
import { methodNotAllowed, notFound, sendJson } from '../http-response.js';
import type { UpstreamService } from '../outbound-client.js';
import { NON_NUMERIC_ID_ERROR, parseProductId } from '../product-id.js';
import { isReadMethod } from '../request-path.js';
import { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from './product-page-html.js';
import { outboundHeaders, signedInUser } from './productpage-settings.js';
import type { ProductpageContext } from './productpage-settings.js';

const RATINGS_UNAVAILABLE_FOR_BOOK = 'Sorry, product ratings are currently unavailable for this book.';

/**
 * The JSON API of Istio's swagger, under `/api/v1`: `products`, `products/{id}`,
 * `products/{id}/reviews`, `products/{id}/ratings`. `segments` follow `api/v1`.
 */
export async function handleProductApi(
  ctx: ProductpageContext,
  segments: readonly string[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const [collection, id, part, ...rest] = segments;
  if (collection !== 'products' || rest.length > 0) return notFound(res);
  if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
  if (id === undefined) return sendJson(res, 200, PRODUCTS);

  const productId = parseProductId(id);
  if (productId === null) return sendJson(res, 400, { error: NON_NUMERIC_ID_ERROR });
  if (findProduct(productId) === undefined) return sendJson(res, 404, { error: `product ${productId} not found` });

  const headers = outboundHeaders(req, signedInUser(ctx, req));
  const { settings } = ctx;
  switch (part) {
    case undefined:
      return relay(ctx, res, 'details', `/details/${productId}`, headers, settings.detailsTimeoutMs, 1, DETAILS_UNAVAILABLE);
    case 'reviews':
      return relay(
        ctx,
        res,
        'reviews',
        `/reviews/${productId}`,
        headers,
        settings.reviewsTimeoutMs,
        settings.reviewsAttempts,
        REVIEWS_UNAVAILABLE,
      );
    case 'ratings':
      return relay(ctx, res, 'ratings', `/ratings/${productId}`, headers, settings.ratingsTimeoutMs, 1, RATINGS_UNAVAILABLE_FOR_BOOK);
    default:
      return notFound(res);
  }
}

/**
 * Answers with the backend's JSON when it answered 200, otherwise with an error status and
 * the message the product page would show.
 */
async function relay(
  ctx: ProductpageContext,
  res: ServerResponse,
  service: UpstreamService,
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
  attempts: number,
  unavailable: string,
): Promise<void> {
  const result = await ctx.client.get({ service, path, headers, timeoutMs, attempts });
  if (result.kind === 'response' && result.status === 200 && result.body !== undefined) {
    return sendJson(res, 200, result.body);
  }
  // 503: nothing answered; 502: a 200 that was not JSON; otherwise the backend's own status.
  const status = result.kind === 'failure' ? 503 : result.status === 200 ? 502 : result.status;
  sendJson(res, status, { error: unavailable });
}
