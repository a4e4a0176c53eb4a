import { RATINGS } from './catalog.js';
import { methodNotAllowed, notFound, sendJson } from './http-response.js';
import { NON_NUMERIC_ID_ERROR, parseProductId } from './product-id.js';
import { isReadMethod, pathSegments, requestPath } from './request-path.js';
import type { RequestHandler } from './request-path.js';

/** ratings: `GET /ratings/{id}` answers `{ id, ratings: { Reviewer1: 5, Reviewer2: 4 } }`. */
export function ratingsHandler(): RequestHandler {
  return (req, res) => {
    const [first, id, ...rest] = pathSegments(requestPath(req));
    if (rest.length > 0) return notFound(res);
    if (first === 'health' && id === undefined) {
      if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { status: 'Ratings is healthy' });
    }
    if (first !== 'ratings' || id === undefined) return notFound(res);
    if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
    const productId = parseProductId(id);
    if (productId === null) return sendJson(res, 400, { error: NON_NUMERIC_ID_ERROR });
    sendJson(res, 200, { id: productId, ratings: RATINGS });
  };
}
