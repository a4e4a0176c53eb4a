import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectValidationErrors, knownKindOf, parseConfigFile } from '../src/index.js';
import type { ConfigResource } from '../src/index.js';
import { BOOKINFO_NETWORKING, CORPUS, corpusFile } from './bookinfo-fixture.js';

const NETWORKING_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway']);

function resourcesOf(relative: string): ConfigResource[] {
  const { file, text } = corpusFile(relative);
  return parseConfigFile(text, file);
}

/** The field an invalid corpus document names in its `_err` key (`spec.x.y: Invalid value`). */
function expectedField(resource: ConfigResource): string {
  const err = (resource.raw as { _err?: unknown })._err;
  if (typeof err !== 'string') throw new Error(`${resource.source.file}:${resource.source.line}: no _err key`);
  return err.slice(0, err.indexOf(':'));
}

describe("Istio's validation corpus", () => {
  // Of the corpus' files, only DestinationRule's are of kinds this package validates.
  it('accepts every valid DestinationRule', () => {
    const resources = resourcesOf('validation/destinationrule-valid.yaml');
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(collectValidationErrors(resource).map(String)).toEqual([]);
  });

  it('rejects every invalid DestinationRule at the field Istio names', () => {
    const resources = resourcesOf('validation/destinationrule-invalid.yaml');
    expect(resources.map(expectedField)).toEqual([
      'spec.trafficPolicy.loadBalancer.warmup.minimumPercent',
      'spec.trafficPolicy.loadBalancer.warmup.duration',
      'spec.trafficPolicy.loadBalancer.warmup.aggression',
    ]);
    for (const resource of resources) {
      expect(collectValidationErrors(resource).map((e) => e.field)).toEqual([expectedField(resource)]);
    }
  });
});

describe("Istio's sample networking config", () => {
  const files = readdirSync(path.join(CORPUS, BOOKINFO_NETWORKING)).filter((name) => name.endsWith('.yaml'));

  it.each(files)('accepts %s', (name) => {
    const resources = resourcesOf(`${BOOKINFO_NETWORKING}/${name}`);
    const ours = resources.filter((r) => NETWORKING_KINDS.has(knownKindOf(r) ?? ''));
    for (const resource of ours) expect(collectValidationErrors(resource).map(String)).toEqual([]);
  });

  it('locates an error introduced into a sample precisely', () => {
    const { text } = corpusFile(`${BOOKINFO_NETWORKING}/virtual-service-reviews-50-v3.yaml`);
    const lines = text.split('\n');
    const lastWeight = lines.findLastIndex((line) => line.includes('weight: 50'));
    lines[lastWeight] = lines[lastWeight]?.replace('weight: 50', 'weight: 150') ?? '';
    const [resource] = parseConfigFile(lines.join('\n'), 'virtual-service-reviews-50-v3.yaml');
    if (!resource) throw new Error('no document');
    const column = (lines[lastWeight]?.indexOf('weight') ?? 0) + 1;
    expect(collectValidationErrors(resource).map(String)).toEqual([
      `ConfigValidationError: virtual-service-reviews-50-v3.yaml:${lastWeight + 1}:${column}: spec.http[0].route[1].weight: must be an integer between 0 and 100`,
      // With 150 out of range the sum is not checked: one mistake, one message.
    ]);
    expect([lastWeight + 1, column]).toEqual([17, 7]);
  });
});
