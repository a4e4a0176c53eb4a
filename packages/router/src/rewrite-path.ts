import { regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';
import { queryStart } from './request-view.js';
import type { CompiledRegexRewrite } from './route-policies.js';
import type { CompiledPathMatch, CompiledRoute } from './route-table.js';

/**
 * `path` with `prefixRewrite` swapped for the part the route matched (the prefix for prefix and
 * path-separated-prefix routes, the whole query-free path otherwise), or with every match of
 * `regexRewrite` in the query-free path substituted. The query string is kept. `path` comes back
 * unchanged when there is nothing to rewrite, or when a prefix route's prefix does not start it.
 */
export function rewritePathWith(
  pathMatch: CompiledPathMatch,
  prefixRewrite: string | undefined,
  regexRewrite: CompiledRegexRewrite | undefined,
  path: string,
): string {
  if (regexRewrite !== undefined) {
    const end = queryStart(path);
    return regexRewrite.replaceAll(path.slice(0, end)) + path.slice(end);
  }
  if (prefixRewrite === undefined) return path;
  if (pathMatch.type !== 'prefix' && pathMatch.type !== 'pathSeparatedPrefix') return prefixRewrite + path.slice(queryStart(path));
  const startsWithPrefix = pathMatch.caseSensitive
    ? path.startsWith(pathMatch.prefix)
    : regionEqualsIgnoreCase(path, 0, toAsciiLowerCase(pathMatch.prefix));
  return startsWithPrefix ? prefixRewrite + path.slice(pathMatch.prefix.length) : path;
}

/** The path to forward upstream for `route` (see `rewritePathWith`). Allocates the rewritten string only. */
export function rewritePath(route: CompiledRoute, path: string): string {
  return rewritePathWith(route.pathMatch, route.prefixRewrite, route.regexRewrite, path);
}
