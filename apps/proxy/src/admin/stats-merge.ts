import { plainStatsText } from './stats-text.js';

type Combine = (a: number, b: number) => number;

const sum: Combine = (a, b) => a + b;

/**
 * How one stat from several worker processes becomes one: counters, histograms and activity gauges
 * add up. Each worker holds its own copy of what Envoy's workers share, and those are not added:
 * cluster membership and the server's state are the same in every worker; a circuit breaker is
 * open when it is open in any worker, and has what its least-remaining worker has left.
 * `name` is a `/stats` name (`cluster.a.membership_total`) or a Prometheus family's
 * (`envoy_cluster_membership_total`).
 */
function combineFor(name: string): Combine {
  if (/(^|[._])membership_/.test(name) || /^(server|listener_manager)\./.test(name)) return Math.max;
  if (/circuit_breakers[._].*remaining/.test(name)) return Math.min;
  if (/circuit_breakers[._].*_open$/.test(name)) return Math.max;
  return sum;
}

/** A Prometheus sample value, which may be `+Inf`, `-Inf` or `NaN`. */
const parseValue = (text: string): number => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));
const formatValue = (value: number): string => (value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value));

/**
 * Envoy's `/stats` text (`name: value` lines) from several workers, as one, sorted by name:
 * `own` are the stats the caller knows better than any worker (the server's state), and `filter`
 * keeps only the names it matches.
 */
export function mergePlainStats(texts: readonly string[], own: Readonly<Record<string, number>>, filter: RegExp | undefined): string {
  const values = new Map<string, number>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const colon = line.lastIndexOf(': ');
      if (colon === -1) continue;
      const name = line.slice(0, colon);
      const value = Number(line.slice(colon + 2));
      const seen = values.get(name);
      values.set(name, seen === undefined ? value : combineFor(name)(seen, value));
    }
  }
  for (const [name, value] of Object.entries(own)) values.set(name, value);
  return plainStatsText(values, filter);
}

interface Family {
  readonly comments: string[];
  /** Sample (name and labels) → value. */
  readonly samples: Map<string, number>;
  readonly combine: Combine;
}

/** The families of Prometheus texts, each series' values combined across the texts. */
function readFamilies(texts: readonly string[]): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyNamed = (name: string): Family => {
    let family = families.get(name);
    if (family === undefined) families.set(name, (family = { comments: [], samples: new Map(), combine: combineFor(name) }));
    return family;
  };
  for (const text of texts) {
    let current: Family | undefined;
    let commentsKnown = false;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        // `# HELP name …` and `# TYPE name type` open a family.
        const name = line.split(' ')[2] ?? '';
        const family = familyNamed(name);
        if (family !== current) commentsKnown = family.comments.length > 0;
        current = family;
        if (!commentsKnown) family.comments.push(line);
        continue;
      }
      const space = line.lastIndexOf(' ');
      const series = line.slice(0, space);
      const value = parseValue(line.slice(space + 1));
      const family = current ?? familyNamed(series.replace(/\{.*$/, ''));
      const seen = family.samples.get(series);
      family.samples.set(series, seen === undefined ? value : family.combine(seen, value));
    }
  }
  return families;
}

/**
 * Prometheus text exposition from several workers, as one: each family once (its `# HELP` and
 * `# TYPE` from the first worker that has it), each series once with its values combined.
 * Histogram buckets, sums and counts add up like counters. The families in `own` (the server's
 * state, which the caller knows better than any worker) replace the workers'.
 */
export function mergePrometheusText(texts: readonly string[], own = ''): string {
  const families = readFamilies(texts);
  for (const [name, family] of readFamilies([own])) families.set(name, family);
  const lines: string[] = [];
  for (const { comments, samples } of families.values()) {
    lines.push(...comments);
    for (const [series, value] of samples) lines.push(`${series} ${formatValue(value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
