import { MeshkitError } from '../errors.js';

const CODE = 'MESHKIT_HTTP1_PARSE';

/**
 * A peer sent bytes that are not valid HTTP/1.1. `status` is what a server answers before it
 * closes the connection (400, or 431 for an oversized head); `details` is Envoy's response code
 * detail (`http1.codec_error`, `http1.headers_too_large`, …).
 */
export class Http1ParseError extends MeshkitError {
  static override readonly code = CODE;
  declare readonly code: typeof CODE;

  constructor(
    readonly details: string,
    readonly reason: string,
    readonly status = 400,
  ) {
    super(CODE, `malformed HTTP/1.1 message: ${reason}`);
  }
}
