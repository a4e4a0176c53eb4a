/** Envoy's `server_header_transformation`. */
export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';

/**
 * The `server` field responses leave with: Envoy's `server_name` (here `meshkit` when unset) under
 * its `server_header_transformation`. OVERWRITE (the default) replaces the response's own;
 * APPEND_IF_ABSENT adds the name only to a response without one; PASS_THROUGH leaves the
 * response's as it is, and none stays none.
 */
export class ServerHeader {
  constructor(
    readonly name: string,
    readonly transformation: ServerHeaderTransformation,
  ) {}

  /** The name the proxy writes for a response whose own `server` is `own`; undefined: the response's own (if any) goes out as it is. */
  proxyValue(own: string | string[] | undefined): string | undefined {
    if (this.transformation === 'OVERWRITE') return this.name;
    return this.transformation === 'APPEND_IF_ABSENT' && own === undefined ? this.name : undefined;
  }
}
