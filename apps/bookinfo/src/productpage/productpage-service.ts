import type { IncomingMessage, ServerResponse } from 'node:http';
import { PRODUCTS } from '../catalog.js';
import { methodNotAllowed, notFound, redirect, sendHtml, sendJson, sendText } from '../http-response.js';
import type { OutboundClient } from '../outbound-client.js';
import { readRequestBody } from '../request-body.js';
import { isReadMethod, pathSegments, requestPath } from '../request-path.js';
import type { RequestHandler } from '../request-path.js';
import { readReviewsPayload } from '../reviews-payload.js';
import { indexPageHtml } from './index-page-html.js';
import { parseLoginForm } from './login-form.js';
import { handleProductApi } from './product-api.js';
import { productPageHtml } from './product-page-html.js';
import { outboundHeaders, signedInUser } from './productpage-settings.js';
import type { ProductpageContext, ProductpageSettings } from './productpage-settings.js';
import { SESSION_COOKIE, clearedSessionCookie, readCookie, sessionCookie } from './session-cookie.js';
import { SessionStore } from './session-store.js';
import { staticAsset } from './static-assets.js';

/** A sign-in form is a few dozen bytes; anything near this size is not one. */
const LOGIN_BODY_LIMIT = 4096;

/**
 * productpage: the HTML pages (`/`, `/productpage`), sign-in (`POST /login`, `GET /logout`),
 * `/static/…`, `/health`, and the JSON API under `/api/v1`.
 */
export function productpageHandler(settings: ProductpageSettings, client: OutboundClient): RequestHandler {
  const ctx: ProductpageContext = { settings, client, sessions: new SessionStore() };
  return async (req, res) => {
    const path = requestPath(req);
    if (path.startsWith('/api/v1/')) return handleProductApi(ctx, pathSegments(path).slice(2), req, res);
    if (path.startsWith('/static/')) return serveStatic(path, req, res);
    switch (path) {
      case '/':
      case '/index.html':
        if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
        return sendHtml(res, 200, indexPageHtml(signedInUser(ctx, req)));
      case '/health':
        if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
        return sendJson(res, 200, { status: 'Product page is healthy' });
      case '/productpage':
        if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
        return serveProductPage(ctx, req, res);
      case '/login':
        if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
        return logIn(ctx, req, res);
      case '/logout':
        if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
        return logOut(ctx, req, res);
      default:
        return notFound(res);
    }
  };
}

async function serveProductPage(ctx: ProductpageContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Like Istio's sample, the page always shows the one book in the catalog.
  const product = PRODUCTS[0];
  if (product === undefined) return notFound(res);
  const user = signedInUser(ctx, req);
  const headers = outboundHeaders(req, user);
  const { settings, client } = ctx;
  const [details, reviews] = await Promise.all([
    client.get({ service: 'details', path: `/details/${product.id}`, headers, timeoutMs: settings.detailsTimeoutMs }),
    client.get({
      service: 'reviews',
      path: `/reviews/${product.id}`,
      headers,
      timeoutMs: settings.reviewsTimeoutMs,
      attempts: settings.reviewsAttempts,
    }),
  ]);
  const detailsBody = details.kind === 'response' && details.status === 200 ? details.body : undefined;
  const html = productPageHtml({
    product,
    user,
    details: typeof detailsBody === 'object' && detailsBody !== null ? (detailsBody as Record<string, unknown>) : null,
    reviews: reviews.kind === 'response' && reviews.status === 200 ? readReviewsPayload(reviews.body) : null,
  });
  sendHtml(res, 200, html);
}

async function logIn(ctx: ProductpageContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readRequestBody(req, LOGIN_BODY_LIMIT);
  if (!body.ok) {
    // The rest of an oversized body is never read, so this connection cannot carry another request.
    res.setHeader('connection', 'close');
    return sendJson(res, body.reason === 'too-large' ? 413 : 400, { error: `login form ${body.reason}` });
  }
  const form = parseLoginForm(req.headers['content-type'], body.text);
  if (!form.ok) return sendJson(res, 400, { error: form.reason });
  // A new id on every sign-in, so an id known before sign-in is worthless after it.
  ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
  redirect(res, '/productpage', sessionCookie(ctx.sessions.create(form.username)));
}

function logOut(ctx: ProductpageContext, req: IncomingMessage, res: ServerResponse): void {
  ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
  redirect(res, '/productpage', clearedSessionCookie());
}

function serveStatic(path: string, req: IncomingMessage, res: ServerResponse): void {
  if (!isReadMethod(req.method)) return methodNotAllowed(res, 'GET, HEAD');
  const asset = staticAsset(path);
  if (asset === undefined) return notFound(res);
  sendText(res, 200, asset.body, asset.contentType);
}
