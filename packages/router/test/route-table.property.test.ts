import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from '../src/compile-route-config.js';
import { randomRequest, randomRouteConfig } from './random-route-config.js';
import { referenceMatch } from './reference-matcher.js';
import type { ReferenceMatch } from './reference-matcher.js';
import { SeededRandom } from './seeded-random.js';

const TABLES = 1_500;
const REQUESTS_PER_TABLE = 20;

describe('RouteTable.match against a naive reference', () => {
  it(`agrees on ${TABLES} random tables x ${REQUESTS_PER_TABLE} requests`, () => {
    let matched = 0;
    let hostOnly = 0;
    for (let seed = 1; seed <= TABLES; seed++) {
      const random = new SeededRandom(seed);
      const config = randomRouteConfig(random);
      const table = compileRouteConfig(config);
      for (let i = 0; i < REQUESTS_PER_TABLE; i++) {
        const request = randomRequest(random, config);
        const found = table.match(request);
        const actual: ReferenceMatch | null =
          found === null ? null : { virtualHost: found.virtualHost.name, routeIndex: found.virtualHost.routes.indexOf(found.route) };
        const expected = referenceMatch(config, request);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          // Print the whole case so it can be replayed and reduced by hand.
          expect({ seed, config, request, actual }).toEqual({ seed, config, request, actual: expected });
        }
        if (expected !== null) matched++;
        else if (table.findVirtualHost(request.authority) !== null) hostOnly++;
      }
    }
    // Guards against a generator so sparse the agreement above is vacuous.
    const total = TABLES * REQUESTS_PER_TABLE;
    expect(matched / total).toBeGreaterThan(0.15);
    expect(hostOnly / total).toBeGreaterThan(0.1);
  });
});
