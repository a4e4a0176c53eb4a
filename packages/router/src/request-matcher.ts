import type { RequestView } from './request-view.js';

/**
 * One condition a route places on a request: its path, a header, and later query parameters,
 * runtime fractions and the rest. A route matches when all of its matchers do, so new kinds
 * of condition are new implementations, not changes to the route.
 */
export interface RequestMatcher {
  /** HOT PATH: per request and route; must not allocate, compile or throw. */
  matches(view: RequestView): boolean;
}
