/** The parts of an HTTP request that route matching reads. Optional fields may be left out. */
export interface RouteRequest {
  /** The `:authority` (HTTP/2) or `Host` (HTTP/1.1) value, port included when sent. */
  readonly authority: string;
  /** The request target as sent, query string and fragment included. */
  readonly path: string;
  readonly method: string;
  /** Lower-case names, as in node's IncomingHttpHeaders; an array is a repeated header. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** `http` or `https` as the client used it (`:scheme` / `x-forwarded-proto`); default from headers, else `http`. */
  readonly scheme?: string;
  /** The downstream peer's IP address, for source-IP hash policies. */
  readonly sourceIp?: string;
  /** The listener port the request arrived on, for `stripMatchingHostPort`. */
  readonly localPort?: number;
  /**
   * A uint32 drawn once per request, used for runtime fractions (and by callers for weighted
   * clusters), so a decision can be replayed. Drawn from Math.random when left out.
   */
  readonly random?: number;
}
