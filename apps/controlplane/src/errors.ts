import { defineError } from '@meshkit/core';

/** The config directory cannot be read at all (not: a file in it is invalid — that is reported, not thrown). */
export const ConfigSourceError = defineError(
  'MESHKIT_CONTROLPLANE_CONFIG_SOURCE',
  'ConfigSourceError',
  (dir: string, reason: string) => `${dir}: ${reason}`,
);
