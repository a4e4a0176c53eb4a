import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RATINGS_UNAVAILABLE } from '../src/index.js';
import { expectedStars, startBookinfo } from './bookinfo-fixture.js';
import type { BookinfoFixture } from './bookinfo-fixture.js';
import { getJson, send } from './http-client.js';

describe('reviews versions as productpage shows them', () => {
  let mesh: BookinfoFixture;
  beforeAll(async () => {
    mesh = await startBookinfo();
  });
  afterAll(async () => {
    await mesh.close();
  });
  beforeEach(() => mesh.reset());

  it('v1: reviews without ratings, no star markup, ratings never called', async () => {
    mesh.reset('v1');
    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0/reviews`);
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ id: 0, version: 'v1', podname: 'reviews-v1' });
    const reviews = (api.body as { reviews: Array<Record<string, unknown>> }).reviews;
    expect(reviews.map((review) => review.reviewer)).toEqual(['Reviewer1', 'Reviewer2']);
    expect(reviews.every((review) => !('rating' in review))).toBe(true);

    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('A riot from start to finish');
    expect(page.text).not.toContain('<font');
    expect(page.text).not.toContain('glyphicon');
    expect(mesh.forwarder.callsTo('ratings:9080')).toHaveLength(0);
  });

  it('v2: black stars from ratings (5 and 4)', async () => {
    mesh.reset('v2');
    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0/reviews`);
    expect(api.body).toMatchObject({
      version: 'v2',
      reviews: [{ reviewer: 'Reviewer1', rating: { stars: 5, color: 'black' } }, { reviewer: 'Reviewer2', rating: { stars: 4, color: 'black' } }],
    });
    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.text).toContain(expectedStars('black', 5));
    expect(page.text).toContain(expectedStars('black', 4));
    expect(page.text).not.toContain('color="red"');
    expect(mesh.forwarder.callsTo('ratings:9080').map((call) => call.path)).toContain('/ratings/0');
  });

  it('v3: red stars', async () => {
    mesh.reset('v3');
    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.text).toContain(expectedStars('red', 5));
    expect(page.text).toContain(expectedStars('red', 4));
    expect(page.text).not.toContain('color="black"');
    expect(page.text).toContain('reviews-v3');
  });

  it('ratings unreachable: each review carries the error and the page shows it without stars', async () => {
    mesh.reset('v2');
    mesh.forwarder.route('ratings:9080', undefined);
    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0/reviews`);
    expect(api.status).toBe(200);
    const reviews = (api.body as { reviews: Array<{ rating?: unknown }> }).reviews;
    expect(reviews.map((review) => review.rating)).toEqual([{ error: RATINGS_UNAVAILABLE }, { error: RATINGS_UNAVAILABLE }]);

    const page = await send(`${mesh.productpage.url}/productpage`);
    expect(page.text).toContain('Ratings service is currently unavailable');
    expect(page.text).not.toContain('<font');
  });

  it('ratings answering an error status counts as unavailable too', async () => {
    mesh.reset('v3');
    // details answers 404 for /ratings/0: a reachable service that does not give ratings.
    mesh.forwarder.route('ratings:9080', mesh.details.url);
    const direct = await getJson(`${mesh.reviews.v3.url}/reviews/0`);
    expect(direct.body).toMatchObject({ reviews: [{ rating: { error: RATINGS_UNAVAILABLE } }, { rating: { error: RATINGS_UNAVAILABLE } }] });
  });

  it('ratings API through productpage, and ratings directly', async () => {
    const api = await getJson(`${mesh.productpage.url}/api/v1/products/0/ratings`);
    expect(api).toEqual({ status: 200, body: { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } } });
    expect(mesh.forwarder.callsTo('ratings:9080')).toHaveLength(1);
    const direct = await getJson(`${mesh.ratings.url}/ratings/3`);
    expect(direct).toEqual({ status: 200, body: { id: 3, ratings: { Reviewer1: 5, Reviewer2: 4 } } });
  });
});
