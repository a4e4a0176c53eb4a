import { asRecord } from '../plain-json.js';
import type { FieldChecker } from './field-checker.js';

/** The rules every document shares: apiVersion, kind and a well-formed metadata block. */
export function checkMetadata(check: FieldChecker, raw: unknown, clusterScoped: boolean): void {
  const document = asRecord(raw);
  check.string(document['apiVersion'], 'apiVersion', true);
  check.string(document['kind'], 'kind', true);
  const metadata = check.record(document['metadata'], 'metadata', true);
  if (!metadata) return;
  check.dnsSubdomain(metadata['name'], 'metadata.name', true);
  if (!clusterScoped) check.dnsLabel(metadata['namespace'], 'metadata.namespace');
  check.stringMap(metadata['labels'], 'metadata.labels');
  check.stringMap(metadata['annotations'], 'metadata.annotations');
}
