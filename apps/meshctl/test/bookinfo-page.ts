import { request } from 'undici';

export type StarColor = 'none' | 'black' | 'red';

/** The star colours of the reviews on one productpage, as a user sees them. */
export function starColors(html: string): StarColor[] {
  const reviews = html.split('<blockquote>').slice(1);
  return reviews.map((review) => {
    const match = /<font color="(\w+)">/.exec(review);
    return match === null ? 'none' : (match[1] as StarColor);
  });
}

/** The reviews version that served a page: every review on it has the same stars. */
export function reviewsVersion(html: string): 'v1' | 'v2' | 'v3' | 'unknown' {
  const colors = new Set(starColors(html));
  if (colors.size !== 1) return 'unknown';
  const [color] = colors;
  return color === 'none' ? 'v1' : color === 'black' ? 'v2' : 'v3';
}

export async function getPage(url: string, cookie?: string): Promise<string> {
  const res = await request(url, { headers: cookie === undefined ? {} : { cookie } });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode}: ${body.slice(0, 300)}`);
  return body;
}

/** Signs in through the gateway like the login form does; returns the session cookie. */
export async function login(productpageUrl: string, user: string): Promise<string> {
  const res = await request(new URL('/login', productpageUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=${encodeURIComponent(user)}&passwd=`,
  });
  await res.body.dump();
  const setCookie = res.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0];
  if (res.statusCode !== 302 || cookie === undefined) throw new Error(`login answered ${res.statusCode}`);
  return cookie;
}
