import type { IncomingMessage, ServerResponse } from 'node:http';

/** What each service is: a function of one request. May answer synchronously. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * The path of a request without its query. Split by hand rather than with `new URL`, which
 * would read a request for `//host/x` as a different origin.
 */
export function requestPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** `/api/v1/products/0` → `['api', 'v1', 'products', '0']`; a trailing slash adds no segment. */
export function pathSegments(path: string): string[] {
  const segments = path.split('/').slice(1);
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

export function isReadMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}
