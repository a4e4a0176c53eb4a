/** The parts of an HTTP request that route matching reads. */
export interface RouteRequest {
  /** The `:authority` (HTTP/2) or `Host` (HTTP/1.1) value, port included when sent. */
  readonly authority: string;
  /** The request target as sent, query string and fragment included. */
  readonly path: string;
  readonly method: string;
  /** Lower-case names, as in node's IncomingHttpHeaders; an array is a repeated header. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
