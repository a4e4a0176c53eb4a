import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRouteTable } from '../src/compile-route-config.js';
import type { RouteMatch, RouteTable } from '../src/route-table.js';
import { requestFor, routeConfig } from './route-arbitraries.js';
import { referenceMatch } from './reference-matcher.js';

const RUNS = 1_200;

function summary(found: RouteMatch | null): { virtualHost: string; routeIndex: number } | null {
  return found === null ? null : { virtualHost: found.virtualHost.name, routeIndex: found.virtualHost.routes.indexOf(found.route) };
}

describe('compiled matching equals the naive reference (fast-check)', () => {
  it(`agrees on ${RUNS} random tables, 12 requests each, and so does the unindexed scan`, () => {
    let matched = 0;
    let total = 0;
    const tableWithRequests = routeConfig.chain((config) => fc.tuple(fc.constant(config), fc.array(requestFor(config), { minLength: 12, maxLength: 12 })));
    fc.assert(
      fc.property(tableWithRequests, ([config, requests]) => {
        const indexed: RouteTable = compileRouteTable(config, {});
        const linear: RouteTable = compileRouteTable(config, { indexRoutes: false });
        for (const request of requests) {
          const expected = referenceMatch(config, request);
          expect(summary(indexed.match(request))).toEqual(expected);
          expect(summary(linear.match(request))).toEqual(expected);
          total++;
          if (expected !== null) matched++;
        }
      }),
      { numRuns: RUNS, seed: 20_240_601 },
    );
    // Guards against generators so sparse that agreement is vacuous.
    expect(matched / total).toBeGreaterThan(0.05);
  });
});
