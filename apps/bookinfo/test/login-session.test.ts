import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBookinfo } from './bookinfo-fixture.js';
import type { BookinfoFixture } from './bookinfo-fixture.js';
import { cookieFrom, send } from './http-client.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('sign-in, end-user and sign-out', () => {
  let mesh: BookinfoFixture;
  beforeAll(async () => {
    mesh = await startBookinfo();
  });
  afterAll(async () => {
    await mesh.close();
  });
  beforeEach(() => mesh.reset('v2'));

  async function logIn(username: string): Promise<string> {
    const response = await send(`${mesh.productpage.url}/login`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ username, passwd: 'ignored' }).toString(),
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/productpage');
    return cookieFrom(response);
  }

  it('sets an HttpOnly session cookie holding a random id, not the name', async () => {
    const response = await send(`${mesh.productpage.url}/login`, { method: 'POST', headers: FORM, body: 'username=jason' });
    expect(response.status).toBe(302);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^session=[A-Za-z0-9_-]{16,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).not.toContain('jason');
  });

  it('shows the user and forwards them as end-user to reviews, which passes it on to ratings', async () => {
    const cookie = await logIn('jason');
    const page = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie } });
    expect(page.text).toContain('signed in as jason');
    expect(page.text).not.toContain('action="/login"');

    const [reviewsCall] = mesh.forwarder.callsTo('reviews:9080');
    expect(reviewsCall?.headers['end-user']).toBe('jason');
    const [ratingsCall] = mesh.forwarder.callsTo('ratings:9080');
    expect(ratingsCall?.headers['end-user']).toBe('jason');
  });

  it('keeps sessions apart: each cookie names its own user', async () => {
    const jason = await logIn('jason');
    const alice = await logIn('alice');
    const asAlice = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie: alice } });
    const asJason = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie: jason } });
    expect(asAlice.text).toContain('signed in as alice');
    expect(asJason.text).toContain('signed in as jason');
  });

  it('the session overrides an end-user header sent by the client', async () => {
    const cookie = await logIn('jason');
    await send(`${mesh.productpage.url}/productpage`, { headers: { cookie, 'end-user': 'mallory' } });
    expect(mesh.forwarder.callsTo('reviews:9080')[0]?.headers['end-user']).toBe('jason');
  });

  it('signs out: clears the cookie, forgets the session server-side', async () => {
    const cookie = await logIn('jason');
    const logout = await send(`${mesh.productpage.url}/logout`, { headers: { cookie } });
    expect(logout.status).toBe(302);
    expect(logout.headers.location).toBe('/productpage');
    expect(String(logout.headers['set-cookie'])).toMatch(/^session=;.*Max-Age=0/);

    // Replaying the old cookie must not sign anyone back in.
    mesh.forwarder.calls.length = 0;
    const page = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie } });
    expect(page.text).not.toContain('signed in as');
    expect(page.text).toContain('action="/login"');
    expect(mesh.forwarder.callsTo('reviews:9080')[0]?.headers['end-user']).toBeUndefined();
  });

  it('a made-up session id signs nobody in', async () => {
    const page = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie: 'session=jason' } });
    expect(page.text).not.toContain('signed in as');
    expect(mesh.forwarder.callsTo('reviews:9080')[0]?.headers['end-user']).toBeUndefined();
  });

  it('escapes the user name in the page', async () => {
    const cookie = await logIn('<script>alert("x")</script>');
    const page = await send(`${mesh.productpage.url}/productpage`, { headers: { cookie } });
    expect(page.text).toContain('signed in as &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>');
  });

  it.each([
    ['no username field', FORM, 'passwd=x'],
    ['an empty username', FORM, 'username=%20%20'],
    ['two usernames', FORM, 'username=a&username=b'],
    ['a control character', FORM, 'username=a%0Db'],
    ['a name over 64 characters', FORM, `username=${'a'.repeat(65)}`],
    ['JSON instead of a form', { 'content-type': 'application/json' }, '{"username":"jason"}'],
    ['no content type', {}, 'username=jason'],
  ])('refuses a login form with %s (400, no cookie)', async (_case, headers, body) => {
    const response = await send(`${mesh.productpage.url}/login`, { method: 'POST', headers, body });
    expect(response.status).toBe(400);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(JSON.parse(response.text)).toHaveProperty('error');
  });

  it('refuses an oversized login body with 413', async () => {
    const response = await send(`${mesh.productpage.url}/login`, {
      method: 'POST',
      headers: FORM,
      body: `username=jason&pad=${'x'.repeat(10_000)}`,
    });
    expect(response.status).toBe(413);
  });

  it('answers GET /login with 405 and Allow: POST', async () => {
    const response = await send(`${mesh.productpage.url}/login`);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });
});
