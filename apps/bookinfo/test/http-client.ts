import { request } from 'undici';

export interface SimpleResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One request with undici, no redirects followed, the whole body read. */
export async function send(
  url: string,
  init: { method?: 'GET' | 'POST' | 'HEAD'; headers?: Record<string, string>; body?: string } = {},
): Promise<SimpleResponse> {
  const response = await request(url, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    body: init.body ?? null,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await send(url, { headers });
  return { status: response.status, body: JSON.parse(response.text) as unknown };
}

/** The `name=value` part of the first Set-Cookie header, ready to send back as `Cookie`. */
export function cookieFrom(response: SimpleResponse): string {
  const header = response.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  return (first ?? '').split(';')[0] ?? '';
}
