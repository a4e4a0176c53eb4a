import { defineError } from '@meshkit/core';

// Every codec error message starts with the field path inside the resource
// (`filter_chains[0].filters[0].typed_config.@type`), so a NACK or a control-plane
// log points straight at the offending field.

/** A field name the Envoy message type does not declare. */
export const UnknownFieldError = defineError(
  'MESHKIT_XDS_UNKNOWN_FIELD',
  'UnknownFieldError',
  (path: string, typeName: string, hint: string) =>
    `${path}: unknown field for ${typeName}${hint === '' ? '' : ` (did you mean '${hint}'?)`}`,
);

/** An `@type` (or response type URL) that names no loaded message type. */
export const UnknownTypeError = defineError(
  'MESHKIT_XDS_UNKNOWN_TYPE',
  'UnknownTypeError',
  (path: string, typeUrl: string) => `${path}: unknown type '${typeUrl}' (not among the loaded Envoy .proto files)`,
);

/** A value of the wrong JSON shape or out of range for its field. */
export const InvalidValueError = defineError(
  'MESHKIT_XDS_INVALID_VALUE',
  'InvalidValueError',
  (path: string, reason: string) => `${path}: ${reason}`,
);

/** Bytes that do not parse as the protobuf message they claim to be. */
export const MalformedMessageError = defineError(
  'MESHKIT_XDS_MALFORMED_MESSAGE',
  'MalformedMessageError',
  (typeName: string, reason: string) => `cannot decode ${typeName}: ${reason}`,
);

/** The Envoy .proto files could not be found or parsed. */
export const ProtoLoadError = defineError(
  'MESHKIT_XDS_PROTO_LOAD',
  'ProtoLoadError',
  (reason: string) => `cannot load the Envoy .proto files: ${reason}`,
);

/** A snapshot holds a resource without a name, or two resources with the same name. */
export const InvalidSnapshotError = defineError(
  'MESHKIT_XDS_INVALID_SNAPSHOT',
  'InvalidSnapshotError',
  (nodeId: string, typeUrl: string, reason: string) => `snapshot for node '${nodeId}', ${typeUrl}: ${reason}`,
);

