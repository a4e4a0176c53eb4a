import { defineError } from '@meshkit/core';

/** A network filter's typed config names a type nobody registered. */
export const UnknownNetworkFilterError = defineError(
  'MESHKIT_NETWORK_FILTER_UNKNOWN',
  'UnknownNetworkFilterError',
  (field: string, typeName: string) => `${field}: no network filter is registered for type '${typeName}'`,
);

/** Two network filter factories were registered for the same type name. */
export const DuplicateNetworkFilterError = defineError(
  'MESHKIT_NETWORK_FILTER_DUPLICATE',
  'DuplicateNetworkFilterError',
  (typeName: string) => `a network filter is already registered for type '${typeName}'`,
);
