import { envoyProtoRoot } from './proto-root.js';

/** Wrapper messages, written in JSON as the bare value they wrap; value = the wrapped scalar type. */
export const WRAPPER_TYPES: ReadonlyMap<string, string> = new Map([
  ['.google.protobuf.DoubleValue', 'double'],
  ['.google.protobuf.FloatValue', 'float'],
  ['.google.protobuf.Int64Value', 'int64'],
  ['.google.protobuf.UInt64Value', 'uint64'],
  ['.google.protobuf.Int32Value', 'int32'],
  ['.google.protobuf.UInt32Value', 'uint32'],
  ['.google.protobuf.BoolValue', 'bool'],
  ['.google.protobuf.StringValue', 'string'],
  ['.google.protobuf.BytesValue', 'bytes'],
]);

const SPECIAL_JSON = new Set([
  ...WRAPPER_TYPES.keys(),
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.Struct',
  '.google.protobuf.Value',
  '.google.protobuf.ListValue',
  '.google.protobuf.FieldMask',
  '.google.protobuf.Any',
]);

/**
 * Types whose JSON form is not an object of their fields. Inside an Any they travel as
 * `{"@type": …, "value": <json>}` instead of having their fields spread beside "@type".
 */
export function hasSpecialJson(fullName: string): boolean {
  return SPECIAL_JSON.has(fullName);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export interface ValueFieldNames {
  readonly null: string;
  readonly number: string;
  readonly string: string;
  readonly bool: string;
  readonly struct: string;
  readonly list: string;
}

let valueFieldNames: ValueFieldNames | undefined;

/**
 * The field names of google.protobuf.Value as loaded. protobufjs bundles its own copy of
 * struct.proto whose Value fields are camelCase (`numberValue`), unlike every other type
 * here, so the names are read from reflection rather than assumed.
 */
export function valueFields(): ValueFieldNames {
  if (valueFieldNames !== undefined) return valueFieldNames;
  const fields = envoyProtoRoot().lookupType('google.protobuf.Value').fields;
  const pick = (snake: string, camel: string): string => (fields[snake] !== undefined ? snake : camel);
  valueFieldNames = {
    null: pick('null_value', 'nullValue'),
    number: pick('number_value', 'numberValue'),
    string: pick('string_value', 'stringValue'),
    bool: pick('bool_value', 'boolValue'),
    struct: pick('struct_value', 'structValue'),
    list: pick('list_value', 'listValue'),
  };
  return valueFieldNames;
}
