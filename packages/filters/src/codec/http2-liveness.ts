import type { ServerHttp2Session } from 'node:http2';

/**
 * Keeps an HTTP/2 session from outliving its peer. When nghttp2 itself ends a session with a
 * GOAWAY (a frame-size or stream-0 violation), node stops reading the socket but never destroys
 * it, so the peer's close goes unnoticed. Every quiet `intervalMs` (Envoy's
 * `connection_keepalive`, else `idle_timeout`) the session is checked: with keepalive a PING must
 * be acknowledged within `timeoutMs`; without it an idle session with no open stream is closed.
 */
export function watchSessionLiveness(
  session: ServerHttp2Session,
  keepalive: { readonly intervalMs: number; readonly timeoutMs: number } | undefined,
  idleTimeoutMs: number,
): void {
  if (keepalive === undefined) {
    if (idleTimeoutMs > 0) session.setTimeout(idleTimeoutMs, () => session.close());
    return;
  }
  session.setTimeout(keepalive.intervalMs, () => {
    if (session.destroyed) return;
    const deadline = setTimeout(() => session.destroy(), keepalive.timeoutMs);
    deadline.unref();
    try {
      session.ping((error) => {
        clearTimeout(deadline);
        if (error !== null) session.destroy();
      });
    } catch {
      // A session that can no longer send a PING is over.
      clearTimeout(deadline);
      session.destroy();
    }
  });
}
