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
