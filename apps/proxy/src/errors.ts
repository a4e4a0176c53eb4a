import { defineError } from '@meshkit/core';

/** The bootstrap file is unreadable, malformed, or uses a field the proxy does not support. */
export const BootstrapError = defineError(
  'MESHKIT_PROXY_BOOTSTRAP',
  'BootstrapError',
  (where: string, field: string, reason: string) => `${where}: ${field}: ${reason}`,
);

/** An xDS resource the proxy cannot apply; the whole update is rejected (NACK). */
export const ResourceError = defineError(
  'MESHKIT_PROXY_RESOURCE',
  'ResourceError',
  (resource: string, field: string, reason: string) => `${resource}: ${field}: ${reason}`,
);

/** A listener's address cannot be bound (in use, not local, no permission). */
export const ListenerBindError = defineError(
  'MESHKIT_PROXY_LISTENER_BIND',
  'ListenerBindError',
  (listener: string, address: string, reason: string) => `listener ${listener}: cannot listen on ${address}: ${reason}`,
);
