import protobuf from 'protobufjs';
import { InvalidValueError, UnknownFieldError } from './errors.js';
import { displayPath, fieldPath, indexPath, keyPath } from './field-path.js';
import { scalarFromJson } from './json-scalars.js';
import { requireMessageType } from './proto-root.js';
import { durationFromJson, timestampFromJson } from './time-json.js';
import { typeNameOf } from './type-urls.js';
import { WRAPPER_TYPES, hasSpecialJson, isPlainObject, valueFields } from './well-known-types.js';

// JSON form → the plain object layout protobufjs encodes (`{ seconds, nanos }` for a
// Duration, `{ value }` for a wrapper, `{ type_url, value: bytes }` for an Any). Every key
// is checked against the reflected type, so nothing the user wrote is dropped unnoticed.

type ProtoObject = Record<string, unknown>;

function expectObject(value: unknown, path: string, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new InvalidValueError(displayPath(path), `expected an object (${what}), got ${JSON.stringify(value)}`);
  }
  return value;
}

function snakeCaseHint(type: protobuf.Type, key: string): string {
  const snake = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return snake !== key && type.fields[snake] !== undefined ? snake : '';
}

function enumFromJson(enumType: protobuf.Enum, value: unknown, path: string): number {
  if (typeof value === 'string') {
    const number = enumType.values[value];
    if (number !== undefined) return number;
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    return value;
  }
  const names = Object.keys(enumType.values).join(', ');
  throw new InvalidValueError(displayPath(path), `expected one of ${names}, got ${JSON.stringify(value)}`);
}

function valueFromJson(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    // google.protobuf.NullValue is an enum whose JSON form is null.
    if (resolved.fullName === '.google.protobuf.NullValue' && value === null) return 0;
    return enumFromJson(resolved, value, path);
  }
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, value, path);
  return scalarFromJson(field.type, value, path);
}

function structFromJson(value: unknown, path: string): ProtoObject {
  const object = expectObject(value, path, 'Struct');
  const fields: Record<string, ProtoObject> = {};
  for (const [key, item] of Object.entries(object)) fields[key] = jsonValueFromJson(item, keyPath(path, key));
  return { fields };
}

function listFromJson(value: unknown, path: string): ProtoObject {
  if (!Array.isArray(value)) throw new InvalidValueError(displayPath(path), 'expected an array (ListValue)');
  return { values: value.map((item, index) => jsonValueFromJson(item, indexPath(path, index))) };
}

function jsonValueFromJson(value: unknown, path: string): ProtoObject {
  const kind = valueFields();
  if (value === null) return { [kind.null]: 0 };
  switch (typeof value) {
    case 'number':
      return { [kind.number]: value };
    case 'string':
      return { [kind.string]: value };
    case 'boolean':
      return { [kind.bool]: value };
    default:
      if (Array.isArray(value)) return { [kind.list]: listFromJson(value, path) };
      if (isPlainObject(value)) return { [kind.struct]: structFromJson(value, path) };
      throw new InvalidValueError(displayPath(path), `not a JSON value (${typeof value})`);
  }
}

function anyFromJson(value: unknown, path: string): ProtoObject {
  const object = expectObject(value, path, 'Any with "@type"');
  const typePath = fieldPath(path, '@type');
  const typeUrl = object['@type'];
  if (typeof typeUrl !== 'string' || typeUrl === '') {
    throw new InvalidValueError(typePath, 'a typed config needs "@type": "type.googleapis.com/<message name>"');
  }
  const inner = requireMessageType(typeNameOf(typeUrl), typeUrl, typePath);
  let payload: ProtoObject;
  if (hasSpecialJson(inner.fullName)) {
    for (const key of Object.keys(object)) {
      if (key !== '@type' && key !== 'value') throw new UnknownFieldError(fieldPath(path, key), inner.fullName.slice(1), 'value');
    }
    payload = messageFromJson(inner, object['value'], fieldPath(path, 'value'));
  } else {
    const { '@type': _type, ...fields } = object;
    payload = messageFromJson(inner, fields, path);
  }
  return { type_url: typeUrl, value: inner.encode(inner.fromObject(payload)).finish() };
}

function fieldFromJson(field: protobuf.Field, value: unknown, path: string): unknown {
  if (field.map) {
    const entries = expectObject(value, path, 'map');
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(entries)) out[key] = valueFromJson(field, item, keyPath(path, key));
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw new InvalidValueError(displayPath(path), `expected an array, got ${JSON.stringify(value)}`);
    return value.map((item, index) => valueFromJson(field, item, indexPath(path, index)));
  }
  return valueFromJson(field, value, path);
}

function genericFromJson(type: protobuf.Type, value: unknown, path: string): ProtoObject {
  const object = expectObject(value, path, type.fullName.slice(1));
  const out: ProtoObject = {};
  const chosen = new Map<string, string>();
  for (const [key, item] of Object.entries(object)) {
    const field = type.fields[key];
    if (field === undefined) throw new UnknownFieldError(fieldPath(path, key), type.fullName.slice(1), snakeCaseHint(type, key));
    // YAML writes an empty key as null; proto3 JSON reads null as "not set".
    if (item === null || item === undefined) continue;
    const oneof = field.partOf;
    if (oneof !== null) {
      const previous = chosen.get(oneof.name);
      if (previous !== undefined) {
        throw new InvalidValueError(fieldPath(path, key), `'${previous}' and '${key}' are both set, but only one of ${oneof.oneof.join(', ')} may be`);
      }
      chosen.set(oneof.name, key);
    }
    out[key] = fieldFromJson(field, item, fieldPath(path, key));
  }
  return out;
}

/** Converts a message in Envoy's JSON form into the object layout protobufjs encodes. */
export function messageFromJson(type: protobuf.Type, value: unknown, path: string): ProtoObject {
  const wrapped = WRAPPER_TYPES.get(type.fullName);
  if (wrapped !== undefined) return { value: scalarFromJson(wrapped, value, path) };
  switch (type.fullName) {
    case '.google.protobuf.Duration':
      return { ...durationFromJson(value, path) };
    case '.google.protobuf.Timestamp':
      return { ...timestampFromJson(value, path) };
    case '.google.protobuf.Struct':
      return structFromJson(value, path);
    case '.google.protobuf.Value':
      return jsonValueFromJson(value, path);
    case '.google.protobuf.ListValue':
      return listFromJson(value, path);
    case '.google.protobuf.FieldMask':
      if (typeof value !== 'string') throw new InvalidValueError(displayPath(path), 'expected a comma-separated field mask');
      return { paths: value === '' ? [] : value.split(',') };
    case '.google.protobuf.Any':
      return anyFromJson(value, path);
    default:
      return genericFromJson(type, value, path);
  }
}
