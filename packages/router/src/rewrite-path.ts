import { regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';
import { queryStart } from './request-view.js';
import type { CompiledRoute } from './route-table.js';

/**
 * The path to forward upstream: the route's prefixRewrite swapped for the part of `path` the
 * route matched (the prefix for a prefix route, the whole path otherwise); the query string is
 * kept. Returns `path` unchanged when the route has no prefixRewrite, or when it is a prefix
 * route and `path` does not start with its prefix (it was not the path this route matched).
 * Allocates the rewritten string only.
 */
export function rewritePath(route: CompiledRoute, path: string): string {
  const rewrite = route.prefixRewrite;
  if (rewrite === undefined) return path;
  const matched = route.pathMatch;
  if (matched.type !== 'prefix') return rewrite + path.slice(queryStart(path));
  const startsWithPrefix = matched.caseSensitive
    ? path.startsWith(matched.prefix)
    : regionEqualsIgnoreCase(path, 0, toAsciiLowerCase(matched.prefix));
  return startsWithPrefix ? rewrite + path.slice(matched.prefix.length) : path;
}
