import { bookDetails } from './catalog.js';
import { methodNotAllowed, notFound, sendJson } from './http-response.js';
import { NON_NUMERIC_ID_ERROR, parseProductId } from './product-id.js';
import { isReadMethod, pathSegments, requestPath } from './request-path.js';
import type { RequestHandler } from './request-path.js';

/** details: `GET /details/{id}` answers the book's details for any numeric id. */
export function detailsHandler(): RequestHandler {
  return (req, res) => {
    const [first, id, ...rest] = pathSegments(requestPath(req));
    if (rest.length > 0) return notFound(res);
    if (first === 'health' && id === undefined) {
      if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, { status: 'Details is healthy' });
    }
    if (first !== 'details' || id === undefined) return notFound(res);
    if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
    const productId = parseProductId(id);
    if (productId === null) return sendJson(res, 400, { error: NON_NUMERIC_ID_ERROR });
    sendJson(res, 200, bookDetails(productId));
  };
}
