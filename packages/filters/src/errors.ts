import { defineError } from '@meshkit/core';

/** A filter's typed config names a type nobody registered. */
export const UnknownFilterError = defineError(
  'MESHKIT_FILTER_UNKNOWN',
  'UnknownFilterError',
  (field: string, typeName: string) => `${field}: no HTTP filter is registered for type '${typeName}'`,
);

/** A filter's config was refused by its factory. */
export const FilterConfigError = defineError(
  'MESHKIT_FILTER_CONFIG',
  'FilterConfigError',
  (field: string, reason: string) => `${field}: ${reason}`,
);

/** Two factories were registered for the same type name. */
export const DuplicateFilterError = defineError(
  'MESHKIT_FILTER_DUPLICATE',
  'DuplicateFilterError',
  (typeName: string) => `an HTTP filter is already registered for type '${typeName}'`,
);
