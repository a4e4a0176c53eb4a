import type { FieldReader } from './fields.js';

/**
 * `http_protocol_options.header_key_format` (a connection manager's and a cluster's alike): true
 * for `proper_case_words`. The only format: names are kept lower-case, so there is no original
 * case for `stateful_formatter` to preserve.
 */
export function readProperCaseWords(http1: FieldReader): boolean {
  const keyFormat = http1.optionalChild('header_key_format')?.allowOnly('proper_case_words');
  return keyFormat?.has('proper_case_words') === true;
}
