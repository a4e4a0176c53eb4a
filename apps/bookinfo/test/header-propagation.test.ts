import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROPAGATED_HEADERS } from '../src/index.js';
import { startBookinfo } from './bookinfo-fixture.js';
import type { BookinfoFixture } from './bookinfo-fixture.js';
import { send } from './http-client.js';

const TRACE = {
  'x-request-id': '5b8aa5a2-d6f9-4a5b-9c3e-1d2f3a4b5c6d',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'congo=t61rcWkgMzE',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-parentspanid': '05e3ac9a4f6e3b90',
  'x-b3-sampled': '1',
  'x-b3-flags': '0',
  b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90',
  'x-ot-span-context': 'ot-context',
  'user-agent': 'bookinfo-test/1.0',
  'end-user': 'tester',
};

describe('outbound calls under the sidecar contract', () => {
  let mesh: BookinfoFixture;
  beforeAll(async () => {
    mesh = await startBookinfo();
  });
  afterAll(async () => {
    await mesh.close();
  });
  beforeEach(() => mesh.reset('v2'));

  it('every call goes to the one outbound address, naming its service in Host', async () => {
    await send(`${mesh.productpage.url}/productpage`);
    const hosts = mesh.forwarder.calls.map((call) => `${call.host} ${call.path}`).sort();
    expect(hosts).toEqual(['details:9080 /details/0', 'ratings:9080 /ratings/0', 'reviews:9080 /reviews/0']);
  });

  it('copies trace headers from the inbound request to details, reviews and on to ratings', async () => {
    await send(`${mesh.productpage.url}/productpage`, { headers: { ...TRACE, 'x-not-propagated': 'secret' } });
    for (const host of ['details:9080', 'reviews:9080', 'ratings:9080']) {
      const [call] = mesh.forwarder.callsTo(host);
      expect(call, host).toBeDefined();
      for (const [name, value] of Object.entries(TRACE)) expect(call?.headers[name], `${host} ${name}`).toBe(value);
      expect(call?.headers['x-not-propagated'], host).toBeUndefined();
    }
  });

  it('propagates through the JSON API too, and sends nothing it was not given', async () => {
    await send(`${mesh.productpage.url}/api/v1/products/0/reviews`, { headers: { 'x-request-id': 'only-this' } });
    const reviewsCall = mesh.forwarder.callsTo('reviews:9080')[0];
    const ratingsCall = mesh.forwarder.callsTo('ratings:9080')[0];
    for (const call of [reviewsCall, ratingsCall]) {
      expect(call?.headers['x-request-id']).toBe('only-this');
      expect(call?.headers.traceparent).toBeUndefined();
      expect(call?.headers['end-user']).toBeUndefined();
    }
  });

  it('lists the propagated headers it documents', () => {
    expect([...PROPAGATED_HEADERS].sort()).toEqual(Object.keys(TRACE).sort());
  });
});
