import { newHeaderFields } from '@meshkit/core';
import { toAsciiLowerCase } from './ascii.js';
import type { HeaderAppendAction, HeaderMutationInput, HeaderValueOptionInput } from './route-action-input.js';
import type { HeaderMutationSet, HeaderToAdd } from './route-policies.js';
import type { MatcherProblem } from './string-matcher.js';

const APPEND_ACTIONS: readonly HeaderAppendAction[] = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'];
// Header names are HTTP tokens; values may not carry CR, LF or NUL (a header-injection vector).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

export type Direction = 'request' | 'response';
export type HeaderMutationPair = { ok: true; request: HeaderMutationSet | undefined; response: HeaderMutationSet | undefined } | MatcherProblem;

/** Compiles one level's request and response mutation; `undefined` where the level sets none. */
export function compileHeaderMutations(input: HeaderMutationInput, level: HeaderMutationSet['level']): HeaderMutationPair {
  const request = compileSet(input.requestHeadersToAdd, input.requestHeadersToRemove, 'request', level);
  if (!request.ok) return request;
  const response = compileSet(input.responseHeadersToAdd, input.responseHeadersToRemove, 'response', level);
  if (!response.ok) return response;
  return { ok: true, request: request.set, response: response.set };
}

type SetResult = { ok: true; set: HeaderMutationSet | undefined } | MatcherProblem;

function compileSet(
  toAdd: readonly HeaderValueOptionInput[] | undefined,
  toRemove: readonly string[] | undefined,
  direction: Direction,
  level: HeaderMutationSet['level'],
): SetResult {
  if ((toAdd?.length ?? 0) === 0 && (toRemove?.length ?? 0) === 0) return { ok: true, set: undefined };
  const headersToRemove: string[] = [];
  for (const [i, name] of (toRemove ?? []).entries()) {
    const problem = nameProblem(toAsciiLowerCase(name));
    if (problem !== undefined) return { ok: false, field: `.${direction}HeadersToRemove[${i}]`, problem };
    headersToRemove.push(toAsciiLowerCase(name));
  }
  const headersToAdd: HeaderToAdd[] = [];
  for (const [i, option] of (toAdd ?? []).entries()) {
    const field = `.${direction}HeadersToAdd[${i}]`;
    const key = toAsciiLowerCase(option.header.key);
    const problem = nameProblem(key);
    if (problem !== undefined) return { ok: false, field: `${field}.header.key`, problem };
    if (BAD_VALUE.test(option.header.value)) return { ok: false, field: `${field}.header.value`, problem: 'header value must not contain CR, LF or NUL' };
    const appendAction = option.appendAction ?? 'APPEND_IF_EXISTS_OR_ADD';
    if (!APPEND_ACTIONS.includes(appendAction)) return { ok: false, field: `${field}.appendAction`, problem: `unknown append action ${String(appendAction)}` };
    headersToAdd.push(Object.freeze({ key, value: option.header.value, appendAction, keepEmptyValue: option.keepEmptyValue === true }));
  }
  return { ok: true, set: Object.freeze({ level, headersToRemove: Object.freeze(headersToRemove), headersToAdd: Object.freeze(headersToAdd) }) };
}

// Envoy refuses to add or remove pseudo-headers and Host: routing already depended on them.
function nameProblem(lowerName: string): string | undefined {
  if (lowerName.startsWith(':') || lowerName === 'host') return `'${lowerName}' cannot be added or removed by route configuration`;
  if (!TOKEN.test(lowerName)) return `'${lowerName}' is not a valid header name`;
  return undefined;
}

export type MutableHeaders = Record<string, string | string[]>;

/**
 * Headers after applying `sets` in the given order (use `route.requestHeaderMutations`,
 * `route.responseHeaderMutations`, or a weighted cluster's, which are already in Envoy's order).
 * Within one level, as Envoy does: removals first; then each addition is decided against the
 * headers as they were before this level's additions; overwrites are applied, then appends.
 * `headers` is not changed; names in it must be lower case.
 */
export function applyHeaderMutations(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  sets: readonly HeaderMutationSet[],
): MutableHeaders {
  const out = newHeaderFields() as MutableHeaders;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = typeof value === 'string' ? value : [...value];
  }
  for (const set of sets) {
    for (const name of set.headersToRemove) delete out[name];
    const overwrites: HeaderToAdd[] = [];
    const appends: HeaderToAdd[] = [];
    for (const header of set.headersToAdd) {
      if (header.value.length === 0 && !header.keepEmptyValue) continue;
      const present = out[header.key] !== undefined;
      switch (header.appendAction) {
        case 'APPEND_IF_EXISTS_OR_ADD':
          appends.push(header);
          break;
        case 'ADD_IF_ABSENT':
          if (!present) appends.push(header);
          break;
        case 'OVERWRITE_IF_EXISTS':
          if (present) overwrites.push(header);
          break;
        case 'OVERWRITE_IF_EXISTS_OR_ADD':
          overwrites.push(header);
          break;
      }
    }
    for (const header of overwrites) out[header.key] = header.value;
    for (const header of appends) {
      const existing = out[header.key];
      out[header.key] = existing === undefined ? header.value : typeof existing === 'string' ? [existing, header.value] : [...existing, header.value];
    }
  }
  return out;
}
