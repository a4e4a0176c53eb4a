/**
 * The methods Envoy's HTTP/1 codec takes unless `allow_custom_methods` is set: the list it kept
 * from http-parser (RFC 9110's methods, WebDAV's, and a few others), `M-SEARCH` spelled as sent.
 */
const STANDARD_METHODS = new Set([
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'MERGE', 'MKACTIVITY',
  'MKCALENDAR', 'MKCOL', 'MOVE', 'M-SEARCH', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH',
  'PURGE', 'PUT', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK',
  'UNSUBSCRIBE',
]);

export function isStandardMethod(method: string): boolean {
  return STANDARD_METHODS.has(method);
}
