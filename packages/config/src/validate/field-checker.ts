import { parseDuration } from '../duration.js';
import { isRecord } from '../plain-json.js';
import type { PlainRecord } from '../plain-json.js';

/** One broken rule: an Istio-style field path and why it is wrong. */
export interface FieldIssue {
  readonly field: string;
  readonly reason: string;
}

// Kubernetes' DNS-1123 forms: a label (namespaces, port names) and a subdomain (object names).
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Collects issues while a validator walks a document's plain JSON. Each check reports at the
 * path it is given and returns the value narrowed, or `undefined` so the caller can stop there.
 */
export class FieldChecker {
  readonly issues: FieldIssue[] = [];

  report(field: string, reason: string): void {
    this.issues.push({ field, reason });
  }

  record(value: unknown, field: string, required = false): PlainRecord | undefined {
    if (value === undefined || value === null) {
      if (required) this.report(field, 'is required');
      return undefined;
    }
    if (!isRecord(value)) {
      this.report(field, 'must be a mapping');
      return undefined;
    }
    return value;
  }

  array(value: unknown, field: string, options: { required?: boolean; nonEmpty?: boolean } = {}): unknown[] | undefined {
    if (value === undefined || value === null) {
      if (options.required) this.report(field, 'is required');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.report(field, 'must be a list');
      return undefined;
    }
    if (options.nonEmpty && value.length === 0) {
      this.report(field, 'must not be empty');
      return undefined;
    }
    return value as unknown[];
  }

  string(value: unknown, field: string, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.report(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.report(field, 'must be a string');
      return undefined;
    }
    if (required && value === '') {
      this.report(field, 'must not be empty');
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.report(field, 'must be true or false');
      return undefined;
    }
    return value;
  }

  integer(value: unknown, field: string, min: number, max: number, required = false): number | undefined {
    if (value === undefined || value === null) {
      if (required) this.report(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.report(field, `must be an integer between ${min} and ${max}`);
      return undefined;
    }
    return value;
  }

  number(value: unknown, field: string, min: number, max = Number.POSITIVE_INFINITY): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.report(field, max === Number.POSITIVE_INFINITY ? `must be a number of at least ${min}` : `must be a number between ${min} and ${max}`);
      return undefined;
    }
    return value;
  }

  port(value: unknown, field: string, required = false): number | undefined {
    return this.integer(value, field, 1, 65535, required);
  }

  /** A duration such as `10s` or `1h30m`, at least `minNanos` long. */
  duration(value: unknown, field: string, required = false, minNanos = 1e6): number | undefined {
    const text = this.string(value, field, required);
    if (text === undefined) return undefined;
    const nanos = parseDuration(text);
    if (nanos === undefined) {
      this.report(field, `must be a duration such as 10s or 1h30m, not ${JSON.stringify(text)}`);
      return undefined;
    }
    if (nanos < minNanos) {
      this.report(field, `must be at least ${minNanos / 1e6}ms`);
      return undefined;
    }
    return nanos;
  }

  /** A mapping of strings to strings, as labels and selectors are. */
  stringMap(value: unknown, field: string, required = false): Record<string, string> | undefined {
    const map = this.record(value, field, required);
    if (map === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [key, entry] of Object.entries(map)) {
      if (typeof entry !== 'string') this.report(`${field}.${key}`, 'must be a string');
      else out[key] = entry;
    }
    return out;
  }

  dnsLabel(value: unknown, field: string, required = false): string | undefined {
    const text = this.string(value, field, required);
    if (text !== undefined && text !== '' && !DNS_LABEL.test(text)) {
      this.report(field, 'must be a lowercase DNS label (a-z, 0-9, "-", at most 63 characters)');
      return undefined;
    }
    return text;
  }

  dnsSubdomain(value: unknown, field: string, required = false): string | undefined {
    const text = this.string(value, field, required);
    if (text !== undefined && text !== '' && (text.length > 253 || !DNS_SUBDOMAIN.test(text))) {
      this.report(field, 'must be a lowercase DNS name (a-z, 0-9, "-", ".")');
      return undefined;
    }
    return text;
  }

  /** A regular expression; JavaScript's syntax stands in for RE2's, which is close for what configs use. */
  regex(value: unknown, field: string): string | undefined {
    const text = this.string(value, field, true);
    if (text === undefined) return undefined;
    try {
      new RegExp(text);
    } catch {
      this.report(field, `is not a valid regular expression: ${JSON.stringify(text)}`);
      return undefined;
    }
    return text;
  }
}
