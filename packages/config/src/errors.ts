import { defineError } from '@meshkit/core';

/** Where something sits in a config file; line and column are 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

function at(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

const ParseErrorBase = defineError(
  'MESHKIT_CONFIG_PARSE',
  'ConfigParseError',
  (position: SourcePosition, reason: string) => `${at(position)}: ${reason}`,
);

/** A file is not YAML, or a document in it is not a mapping. */
export class ConfigParseError extends ParseErrorBase {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(position: SourcePosition, reason: string, options?: { cause?: unknown }) {
    super(position, reason, options);
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
    this.reason = reason;
  }
}

const ValidationErrorBase = defineError(
  'MESHKIT_CONFIG_INVALID',
  'ConfigValidationError',
  (position: SourcePosition, field: string, reason: string) => `${at(position)}: ${field}: ${reason}`,
);

/** A document parsed but breaks a rule of its kind; `field` is an Istio-style path. */
export class ConfigValidationError extends ValidationErrorBase {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  readonly reason: string;

  constructor(position: SourcePosition, field: string, reason: string, options?: { cause?: unknown }) {
    super(position, field, reason, options);
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
    this.field = field;
    this.reason = reason;
  }
}

const DuplicateErrorBase = defineError(
  'MESHKIT_CONFIG_DUPLICATE',
  'ConfigDuplicateError',
  (position: SourcePosition, resourceKey: string, first: SourcePosition) =>
    `${at(position)}: metadata.name: ${resourceKey} is already defined at ${at(first)}`,
);

/** Two documents declare the same kind, namespace and name; the later one is dropped. */
export class ConfigDuplicateError extends DuplicateErrorBase {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field = 'metadata.name';
  /** `Kind namespace/name` of the clashing resource. */
  readonly resourceKey: string;
  /** Where the resource that was kept is defined. */
  readonly first: SourcePosition;

  constructor(position: SourcePosition, resourceKey: string, first: SourcePosition, options?: { cause?: unknown }) {
    super(position, resourceKey, first, options);
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
    this.resourceKey = resourceKey;
    this.first = first;
  }
}

/** Every error `loadConfig` can report. */
export type ConfigError = ConfigParseError | ConfigValidationError | ConfigDuplicateError;
