import protobuf from 'protobufjs';
import { MalformedMessageError } from './errors.js';
import { fieldPath, indexPath, keyPath } from './field-path.js';
import { scalarToJson } from './json-scalars.js';
import { requireMessageType } from './proto-root.js';
import { durationToJson, timestampToJson } from './time-json.js';
import { typeNameOf } from './type-urls.js';
import { WRAPPER_TYPES, hasSpecialJson, valueFields } from './well-known-types.js';

// A decoded protobufjs message → Envoy's JSON form. Only fields present on the wire
// (own properties after decode) are written, so defaults stay implicit as in proto3 JSON.

type Decoded = Record<string, unknown>;

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function valueToJson(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return null;
    return resolved.valuesById[value as number] ?? value;
  }
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Decoded, path);
  return scalarToJson(field.type, value);
}

function structToJson(message: Decoded, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = (message['fields'] ?? {}) as Record<string, Decoded>;
  for (const [key, item] of Object.entries(fields)) out[key] = jsonValueToJson(item, keyPath(path, key));
  return out;
}

function listToJson(message: Decoded, path: string): unknown[] {
  const values = (message['values'] ?? []) as Decoded[];
  return values.map((item, index) => jsonValueToJson(item, indexPath(path, index)));
}

function jsonValueToJson(message: Decoded, path: string): unknown {
  const kind = valueFields();
  if (hasOwn(message, kind.number)) return scalarToJson('double', message[kind.number]);
  if (hasOwn(message, kind.string)) return message[kind.string];
  if (hasOwn(message, kind.bool)) return message[kind.bool];
  if (hasOwn(message, kind.struct)) return structToJson(message[kind.struct] as Decoded, path);
  if (hasOwn(message, kind.list)) return listToJson(message[kind.list] as Decoded, path);
  return null;
}

function anyToJson(message: Decoded, path: string): Record<string, unknown> {
  const typeUrl = typeof message['type_url'] === 'string' ? message['type_url'] : '';
  const inner = requireMessageType(typeNameOf(typeUrl), typeUrl, fieldPath(path, '@type'));
  let decoded: Decoded;
  try {
    decoded = inner.decode((message['value'] ?? new Uint8Array()) as Uint8Array) as unknown as Decoded;
  } catch (cause) {
    throw new MalformedMessageError(inner.fullName.slice(1), cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const json = messageToJson(inner, decoded, path);
  if (hasSpecialJson(inner.fullName)) return { '@type': typeUrl, value: json };
  return { '@type': typeUrl, ...(json as Record<string, unknown>) };
}

function genericToJson(type: protobuf.Type, message: Decoded, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!hasOwn(message, field.name)) continue;
    const value = message[field.name];
    if (value === null || value === undefined) continue;
    const path_ = fieldPath(path, field.name);
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const map: Record<string, unknown> = {};
      for (const [key, item] of entries) map[key] = valueToJson(field, item, keyPath(path_, key));
      out[field.name] = map;
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[field.name] = items.map((item, index) => valueToJson(field, item, indexPath(path_, index)));
    } else {
      out[field.name] = valueToJson(field, value, path_);
    }
  }
  return out;
}

/** Converts a decoded message into Envoy's JSON form. */
export function messageToJson(type: protobuf.Type, message: Decoded, path: string): unknown {
  const wrapped = WRAPPER_TYPES.get(type.fullName);
  if (wrapped !== undefined) return scalarToJson(wrapped, message['value']);
  switch (type.fullName) {
    case '.google.protobuf.Duration':
      return durationToJson(message['seconds'] ?? 0, Number(message['nanos'] ?? 0));
    case '.google.protobuf.Timestamp':
      return timestampToJson(message['seconds'] ?? 0, Number(message['nanos'] ?? 0));
    case '.google.protobuf.Struct':
      return structToJson(message, path);
    case '.google.protobuf.Value':
      return jsonValueToJson(message, path);
    case '.google.protobuf.ListValue':
      return listToJson(message, path);
    case '.google.protobuf.FieldMask':
      return ((message['paths'] ?? []) as string[]).join(',');
    case '.google.protobuf.Any':
      return anyToJson(message, path);
    default:
      return genericToJson(type, message, path);
  }
}
