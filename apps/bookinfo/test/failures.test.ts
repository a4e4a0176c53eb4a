import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE, startService } from '../src/index.js';
import { startBookinfo } from './bookinfo-fixture.js';
import type { BookinfoFixture } from './bookinfo-fixture.js';
import { getJson, send } from './http-client.js';

describe('backends failing and bad requests', () => {
  let mesh: BookinfoFixture;
  beforeAll(async () => {
    // Short per-try timeouts keep the timeout cases quick; the defaults are Istio's 3 s.
    mesh = await startBookinfo({ detailsMs: 400, reviewsMs: 400, reviewsAttempts: 2 });
  });
  afterAll(async () => {
    await mesh.close();
  });
  beforeEach(() => mesh.reset('v3'));

  it('details down: the page says so and still shows reviews; the API answers 503', async () => {
    mesh.forwarder.route('details:9080', undefined);
    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(DETAILS_UNAVAILABLE);
    expect(page.text).not.toContain('ISBN-10:');
    expect(page.text).toContain('glyphicon-star');

    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0`);
    expect(api).toEqual({ status: 503, body: { error: DETAILS_UNAVAILABLE } });
  });

  it('details up: the page lists its details', async () => {
    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.text).not.toContain(DETAILS_UNAVAILABLE);
    expect(page.text).toContain('<dt>ISBN-10:</dt><dd>1234567890</dd>');
    expect(page.text).toContain('<dt>Publisher:</dt><dd>PublisherA</dd>');
  });

  it('reviews down: the page says so, after trying twice', async () => {
    mesh.forwarder.route('reviews:9080', undefined);
    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(REVIEWS_UNAVAILABLE);
    expect(page.text).toContain('ISBN-13:');
    expect(mesh.forwarder.callsTo('reviews:9080')).toHaveLength(2);

    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0/reviews`);
    expect(api).toEqual({ status: 503, body: { error: REVIEWS_UNAVAILABLE } });
  });

  it('reviews too slow: each try times out and the page still answers', async () => {
    mesh.forwarder.delay('reviews:9080', 5_000);
    const started = performance.now();
    const page = await send(`${mesh.productpage.url}/productpage`);
    const elapsed = performance.now() - started;
    expect(page.text).toContain(REVIEWS_UNAVAILABLE);
    expect(mesh.forwarder.callsTo('reviews:9080')).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('details down via a refused connection (nothing listening at the outbound address)', async () => {
    // Learn a free port, then leave it closed.
    const probe = await startService('ratings', { port: 0 });
    await probe.close();
    const lonely = await startService('productpage', { port: 0, outbound: probe.url, timeouts: { reviewsMs: 400, detailsMs: 400 } });
    try {
      const page = await send(`${lonely.url}/productpage`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(DETAILS_UNAVAILABLE);
      expect(page.text).toContain(REVIEWS_UNAVAILABLE);
    } finally {
      await lonely.close();
    }
  });

  it('unknown product id: 404 JSON; non-numeric id: 400 JSON', async () => {
    expect(await getJson(`${mesh.productpage.url}/api/v1/products/7`)).toEqual({ status: 404, body: { error: 'product 7 not found' } });
    expect(await getJson(`${mesh.productpage.url}/api/v1/products/7/reviews`)).toMatchObject({ status: 404 });
    for (const path of ['/api/v1/products/abc', '/api/v1/products/-1/reviews', '/api/v1/products/1.5/ratings']) {
      expect(await getJson(`${mesh.productpage.url}${path}`)).toEqual({
        status: 400,
        body: { error: 'please provide numeric product ID' },
      });
    }
    // Nothing reached a backend for requests refused up front.
    expect(mesh.forwarder.calls).toHaveLength(0);
  });

  it('backends refuse non-numeric ids and unknown paths themselves', async () => {
    expect((await getJson(`${mesh.details.url}/details/abc`)).status).toBe(400);
    expect((await getJson(`${mesh.ratings.url}/ratings/abc`)).status).toBe(400);
    expect((await getJson(`${mesh.reviews.v2.url}/reviews/abc`)).status).toBe(400);
    expect((await getJson(`${mesh.details.url}/nope`)).status).toBe(404);
    expect((await getJson(`${mesh.productpage.url}/api/v1/products/0/nope`)).status).toBe(404);
    expect((await send(`${mesh.details.url}/details/0`, { method: 'POST' })).status).toBe(405);
  });

  it('the product list and details come back as the swagger describes', async () => {
    const list = await getJson(`${mesh.productpage.url}/api/v1/products`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ id: 0, title: 'The Comedy of Errors', descriptionHtml: expect.stringContaining('Shakespeare') as unknown }]);
    const details = await getJson(`${mesh.productpage.url}/api/v1/products/0`);
    expect(details).toEqual({
      status: 200,
      body: {
        id: 0,
        author: 'William Shakespeare',
        year: 1595,
        type: 'paperback',
        pages: 200,
        publisher: 'PublisherA',
        language: 'English',
        'ISBN-10': '1234567890',
        'ISBN-13': '123-1234567890',
      },
    });
  });

  it('health, index and static files', async () => {
    for (const [service, status] of [
      [mesh.productpage, 'Product page is healthy'],
      [mesh.details, 'Details is healthy'],
      [mesh.ratings, 'Ratings is healthy'],
      [mesh.reviews.v1, 'Reviews is healthy'],
    ] as const) {
      expect(await getJson(`${service.url}/health`)).toEqual({ status: 200, body: { status } });
    }
    const index = await send(`${mesh.productpage.url}/`);
    expect(index.status).toBe(200);
    expect(index.text).toContain('href="/productpage?u=normal"');
    const css = await send(`${mesh.productpage.url}/static/css/bookinfo.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect((await send(`${mesh.productpage.url}/static/../package.json`)).status).toBe(404);
    expect((await send(`${mesh.productpage.url}/static/nope.js`)).status).toBe(404);
  });
});
