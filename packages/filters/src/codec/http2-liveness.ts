import type { ServerHttp2Session } from 'node:http2';

export interface LivenessProbe {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/**
 * Without `connection_keepalive`: how often any session is sent a PING, and how long its ACK may
 * take. Without it a session nghttp2 ended itself (see below) would only go at `idle_timeout`, an
 * hour by default, holding its socket that long after the peer has gone.
 */
const DEFAULT_LIVENESS_PROBE: LivenessProbe = { intervalMs: 30_000, timeoutMs: 10_000 };

/**
 * Keeps an HTTP/2 session from outliving its peer. When nghttp2 itself ends a session with a
 * GOAWAY (a frame-size or stream-0 violation), node 20 stops reading the socket but never destroys
 * it, so the peer's close goes unnoticed. With Envoy's `connection_keepalive`, every quiet
 * `intervalMs` a PING must be acknowledged within `timeoutMs`. Without it, an idle session with no
 * open stream is closed after `idleTimeoutMs`, and `probe` PINGs every session on its own
 * schedule: a session that can no longer send one is destroyed when its ACK does not come.
 */
export function watchSessionLiveness(
  session: ServerHttp2Session,
  keepalive: LivenessProbe | undefined,
  idleTimeoutMs: number,
  probe: LivenessProbe = DEFAULT_LIVENESS_PROBE,
): void {
  if (keepalive !== undefined) {
    session.setTimeout(keepalive.intervalMs, () => pingOrDestroy(session, keepalive.timeoutMs, () => undefined));
    return;
  }
  if (idleTimeoutMs > 0) session.setTimeout(idleTimeoutMs, () => session.close());
  let awaitingAck = false;
  // PINGs and their ACKs do not count as activity for node's session timeout above.
  const timer = setInterval(() => {
    if (awaitingAck || session.destroyed) return;
    awaitingAck = true;
    pingOrDestroy(session, probe.timeoutMs, () => (awaitingAck = false));
  }, probe.intervalMs);
  timer.unref();
  session.once('close', () => clearInterval(timer));
}

/** One PING: destroys the session when it cannot be sent or its ACK does not come within `timeoutMs`. */
function pingOrDestroy(session: ServerHttp2Session, timeoutMs: number, acknowledged: () => void): void {
  if (session.destroyed) return;
  const deadline = setTimeout(() => session.destroy(), timeoutMs);
  deadline.unref();
  try {
    session.ping((error) => {
      clearTimeout(deadline);
      if (error !== null) session.destroy();
      else acknowledged();
    });
  } catch {
    // A session that can no longer send a PING is over.
    clearTimeout(deadline);
    session.destroy();
  }
}
