import { hostEndIgnoringPort } from './host-port.js';
import { queryStart } from './request-view.js';
import { rewritePathWith } from './rewrite-path.js';
import type { RouteRequest } from './route-request.js';
import type { CompiledRoute } from './route-table.js';

function requestScheme(request: RouteRequest): string {
  if (request.scheme !== undefined) return request.scheme.toLowerCase();
  const forwarded = request.headers['x-forwarded-proto'];
  const value = typeof forwarded === 'string' ? forwarded : forwarded?.[0];
  return value === undefined ? 'http' : value.toLowerCase();
}

/**
 * The request's host for the Location, as Envoy builds it: its port is dropped when the redirect
 * sets a port, or when the scheme changes away from the request's and the port was that
 * scheme's default (`http://a:80` → `https://a`, but `https://a:80` keeps it).
 */
function redirectHost(authority: string, fromScheme: string, toScheme: string, newPort: boolean): string {
  const end = hostEndIgnoringPort(authority);
  if (end === authority.length) return authority;
  const port = authority.slice(end + 1);
  const defaultPortOfOldScheme = (fromScheme === 'https' && port === '443') || (fromScheme === 'http' && port === '80');
  return newPort || (toScheme !== fromScheme && defaultPortOfOldScheme) ? authority.slice(0, end) : authority;
}

/**
 * The `Location` for a redirect route and the request it matched, or `null` when the route is
 * not a redirect. Follows Envoy's RedirectAction: scheme (or https), host, port, then the path
 * replaced whole (a query in `pathRedirect` wins over the request's), or its matched prefix
 * rewritten, or regex-substituted; the request's query kept unless `stripQuery`.
 */
export function redirectLocation(route: CompiledRoute, request: RouteRequest): string | null {
  const redirect = route.redirect;
  if (redirect === undefined) return null;
  const fromScheme = requestScheme(request);
  const scheme = redirect.scheme ?? fromScheme;
  const host = redirect.host ?? redirectHost(request.authority, fromScheme, scheme, redirect.port !== undefined);
  const port = redirect.port === undefined ? '' : `:${redirect.port}`;
  const query = request.path.slice(queryStart(request.path));
  let path: string;
  if (redirect.pathRedirect !== undefined) {
    path = redirect.pathRedirect.includes('?') || redirect.stripQuery ? redirect.pathRedirect : redirect.pathRedirect + query;
  } else {
    path = rewritePathWith(route.pathMatch, redirect.prefixRewrite, redirect.regexRewrite, request.path);
    if (redirect.stripQuery) path = path.slice(0, queryStart(path));
  }
  return `${scheme}://${host}${port}${path}`;
}
