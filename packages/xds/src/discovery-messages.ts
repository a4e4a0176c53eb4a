import { Buffer } from 'node:buffer';
import type protobuf from 'protobufjs';
import { MalformedMessageError } from './errors.js';
import type { EnvoyNode } from './envoy-node.js';
import { messageFromJson } from './json-to-proto.js';
import { messageToJson } from './proto-to-json.js';
import { findMessageType } from './proto-root.js';

// The ADS envelopes. Resources stay as raw Any bytes here: the server encodes each resource
// once per snapshot, and the client decodes them one by one so a bad one becomes a NACK
// instead of a broken stream.

export interface RawAny {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface ErrorDetail {
  readonly code: number;
  readonly message: string;
}

export interface DiscoveryRequest {
  readonly version_info: string;
  readonly node?: EnvoyNode;
  readonly resource_names: readonly string[];
  readonly type_url: string;
  readonly response_nonce: string;
  readonly error_detail?: ErrorDetail;
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly RawAny[];
  readonly type_url: string;
  readonly nonce: string;
}

function messageType(name: string): protobuf.Type {
  const type = findMessageType(name);
  if (type === null) throw new MalformedMessageError(name, 'type not loaded');
  return type;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeAs(name: string, bytes: Uint8Array): Record<string, unknown> {
  try {
    return messageType(name).decode(bytes) as unknown as Record<string, unknown>;
  } catch (cause) {
    throw new MalformedMessageError(name, cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export function encodeDiscoveryRequest(request: DiscoveryRequest): Buffer {
  const type = messageType('envoy.service.discovery.v3.DiscoveryRequest');
  const node =
    request.node === undefined ? undefined : messageFromJson(messageType('envoy.config.core.v3.Node'), request.node, 'node');
  const object = {
    version_info: request.version_info,
    resource_names: [...request.resource_names],
    type_url: request.type_url,
    response_nonce: request.response_nonce,
    ...(node === undefined ? {} : { node }),
    ...(request.error_detail === undefined ? {} : { error_detail: request.error_detail }),
  };
  return toBuffer(type.encode(type.fromObject(object)).finish());
}

export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  const message = decodeAs('envoy.service.discovery.v3.DiscoveryRequest', bytes);
  const node = message['node'] as Record<string, unknown> | undefined;
  const status = message['error_detail'] as { code?: number; message?: string } | undefined;
  return {
    version_info: text(message['version_info']),
    resource_names: [...((message['resource_names'] ?? []) as string[])],
    type_url: text(message['type_url']),
    response_nonce: text(message['response_nonce']),
    ...(node === undefined || node === null
      ? {}
      : { node: messageToJson(messageType('envoy.config.core.v3.Node'), node, 'node') as EnvoyNode }),
    ...(status === undefined || status === null
      ? {}
      : { error_detail: { code: status.code ?? 0, message: status.message ?? '' } }),
  };
}

export function encodeDiscoveryResponse(response: DiscoveryResponse): Buffer {
  const type = messageType('envoy.service.discovery.v3.DiscoveryResponse');
  return toBuffer(type.encode(type.fromObject({ ...response, resources: [...response.resources] })).finish());
}

export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryResponse {
  const message = decodeAs('envoy.service.discovery.v3.DiscoveryResponse', bytes);
  const resources = (message['resources'] ?? []) as { type_url?: string; value?: Uint8Array }[];
  return {
    version_info: text(message['version_info']),
    resources: resources.map((any) => ({ type_url: any.type_url ?? '', value: any.value ?? new Uint8Array() })),
    type_url: text(message['type_url']),
    nonce: text(message['nonce']),
  };
}
