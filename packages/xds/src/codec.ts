import { Buffer } from 'node:buffer';
import type protobuf from 'protobufjs';
import type { MeshkitError } from '@meshkit/core';
import { InvalidValueError, MalformedMessageError } from './errors.js';
import { messageFromJson } from './json-to-proto.js';
import { messageToJson } from './proto-to-json.js';
import { requireMessageType } from './proto-root.js';
import { resourceName, typeNameOf } from './type-urls.js';
import type { EnvoyResource } from './type-urls.js';

function resourceType(typeUrl: string): protobuf.Type {
  return requireMessageType(typeNameOf(typeUrl), typeUrl, '@type');
}

/** Encodes a message given by full type name (`envoy.config.core.v3.Node`) from its JSON form. */
export function encodeMessage(typeName: string, json: Record<string, unknown>, typeUrl = typeName): Uint8Array {
  const type = requireMessageType(typeName, typeUrl, '@type');
  return type.encode(type.fromObject(messageFromJson(type, json, ''))).finish();
}

/** Decodes a message given by full type name into its JSON form. */
export function decodeMessage(typeName: string, bytes: Uint8Array, typeUrl = typeName): Record<string, unknown> {
  const type = requireMessageType(typeName, typeUrl, '@type');
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(bytes);
  } catch (cause) {
    throw new MalformedMessageError(typeName, cause instanceof Error ? cause.message : String(cause), { cause });
  }
  return messageToJson(type, decoded as unknown as Record<string, unknown>, '') as Record<string, unknown>;
}

/**
 * Encodes a resource written in Envoy's JSON form as protobuf. Throws UnknownFieldError,
 * UnknownTypeError or InvalidValueError naming the field path of the first problem.
 */
export function encodeResource(typeUrl: string, resource: EnvoyResource): Uint8Array {
  resourceType(typeUrl);
  const { '@type': declared, ...fields } = resource;
  // A config dump writes "@type" on each resource; accept it when it agrees.
  if (declared !== undefined && declared !== typeUrl) {
    throw new InvalidValueError('@type', `resource says ${JSON.stringify(declared)} but is sent as ${typeUrl}`);
  }
  return encodeMessage(typeNameOf(typeUrl), fields, typeUrl);
}

/** Decodes protobuf bytes of `typeUrl` into Envoy's JSON form (no top-level "@type"). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): EnvoyResource {
  resourceType(typeUrl);
  return decodeMessage(typeNameOf(typeUrl), bytes, typeUrl);
}

export type ResourceValidation =
  | { readonly ok: true; readonly name: string; readonly resource: EnvoyResource; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: MeshkitError };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/**
 * Checks that a resource encodes, decodes back and encodes to the same bytes. Returns the
 * normalized resource (as a client would decode it) or the error; never throws for bad input.
 */
export function validateResource(typeUrl: string, resource: EnvoyResource): ResourceValidation {
  try {
    const bytes = encodeResource(typeUrl, resource);
    const decoded = decodeResource(typeUrl, bytes);
    if (!sameBytes(encodeResource(typeUrl, decoded), bytes)) {
      return { ok: false, error: new InvalidValueError('(resource)', 'does not survive an encode/decode round trip') };
    }
    const name = resourceName(typeUrl, decoded);
    if (name === '') {
      const field = resourceName(typeUrl, { cluster_name: 'x' }) === 'x' ? 'cluster_name' : 'name';
      return { ok: false, error: new InvalidValueError(field, 'a resource served over xDS needs a name') };
    }
    return { ok: true, name, resource: decoded, bytes };
  } catch (error) {
    if (error instanceof Error && 'code' in error) return { ok: false, error: error as MeshkitError };
    throw error;
  }
}
