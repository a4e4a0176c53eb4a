import { Buffer } from 'node:buffer';
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** 302 to `location`, optionally setting cookies on the way (login, logout). */
export function redirect(res: ServerResponse, location: string, setCookie?: string): void {
  const headers: Record<string, string | number> = { location, 'content-length': 0 };
  if (setCookie !== undefined) headers['set-cookie'] = setCookie;
  res.writeHead(302, headers);
  res.end();
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendJson(res, 405, { error: 'method not allowed' });
}

export function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: 'not found' });
}
