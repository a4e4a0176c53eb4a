import { ConfigValidationError } from '../errors.js';
import { isClusterScoped, knownKindOf } from '../kinds.js';
import type { KnownKind } from '../kinds.js';
import { joinFieldPath, splitFieldPath } from '../parse/field-path.js';
import type { ConfigResource, LineColumn } from '../parse/config-resource.js';
import type { PlainRecord } from '../plain-json.js';
import { checkDestinationRule } from './destination-rule-rules.js';
import { FieldChecker } from './field-checker.js';
import { checkGateway } from './gateway-rules.js';
import { checkDeployment, checkService } from './kubernetes-rules.js';
import { checkMetadata } from './metadata-rules.js';
import { checkVirtualService } from './virtual-service-rules.js';

type SpecRules = (check: FieldChecker, spec: PlainRecord) => void;

const SPEC_RULES: Partial<Record<KnownKind, SpecRules>> = {
  VirtualService: checkVirtualService,
  DestinationRule: checkDestinationRule,
  Gateway: checkGateway,
  Service: checkService,
  Deployment: checkDeployment,
};

/**
 * Every rule a resource breaks, each placed at its field (or the nearest enclosing field that
 * exists, for a missing one), in file order. Kinds this package does not know are only checked for metadata.
 */
export function collectValidationErrors(resource: ConfigResource): ConfigValidationError[] {
  const check = new FieldChecker();
  checkMetadata(check, resource.raw, isClusterScoped(resource.kind));
  const kind = knownKindOf(resource);
  const rules = kind === undefined ? undefined : SPEC_RULES[kind];
  if (rules) {
    const spec = check.record(resource.spec, 'spec', true);
    if (spec) rules(check, spec);
  }
  return check.issues
    .map(({ field, reason }) => {
      const position = nearestPosition(resource, field);
      return new ConfigValidationError({ file: resource.source.file, ...position }, field, reason);
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Throws the first rule `resource` breaks as a `ConfigValidationError`. */
export function validateResource(resource: ConfigResource): void {
  const [first] = collectValidationErrors(resource);
  if (first) throw first;
}

function nearestPosition(resource: ConfigResource, field: string): LineColumn {
  const segments = splitFieldPath(field) ?? [];
  for (let length = segments.length; length > 0; length--) {
    const position = resource.positionOf(joinFieldPath(segments.slice(0, length)));
    if (position) return position;
  }
  return { line: resource.source.line, column: resource.source.column };
}
