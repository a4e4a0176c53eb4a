import type { HeaderMatcherInput, StringMatchInput } from '@meshkit/router';
import type { FieldReader } from './fields.js';

// Envoy's StringMatcher and HeaderMatcher, shared by route matches and retry policies.

export function translateStringMatch(sm: FieldReader): StringMatchInput {
  sm.allowOnly('exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case');
  const out: StringMatchInput = {};
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const v = sm.optionalString(kind);
    if (v !== undefined) out[kind] = v;
  }
  const regex = sm.optionalChild('safe_regex');
  if (regex !== undefined) out.safeRegex = { regex: regex.allowOnly('regex', 'google_re2').string('regex') };
  if (sm.has('ignore_case')) out.ignoreCase = sm.boolean('ignore_case', false);
  return out;
}

export function translateHeaderMatcher(header: FieldReader): HeaderMatcherInput {
  header.allowOnly('name', 'string_match', 'present_match', 'range_match', 'invert_match', 'treat_missing_header_as_empty');
  const out: HeaderMatcherInput = { name: header.string('name') };
  const sm = header.optionalChild('string_match');
  if (sm !== undefined) out.stringMatch = translateStringMatch(sm);
  if (header.has('present_match')) out.presentMatch = header.boolean('present_match', false);
  const range = header.optionalChild('range_match');
  // int64 fields arrive as JSON strings or numbers; `number` reads both.
  if (range !== undefined) out.rangeMatch = { start: range.allowOnly('start', 'end').number('start'), end: range.number('end') };
  if (header.has('invert_match')) out.invertMatch = header.boolean('invert_match', false);
  if (header.has('treat_missing_header_as_empty')) out.treatMissingHeaderAsEmpty = header.boolean('treat_missing_header_as_empty', false);
  return out;
}
