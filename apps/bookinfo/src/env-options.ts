import { BookinfoConfigError } from './errors.js';
import type { StarColor } from './reviews-payload.js';
import type { ReviewsVersion } from './reviews-service.js';
import {
  REVIEWS_VERSIONS,
  SERVICE_NAMES,
  STAR_COLORS,
  isServiceName,
  isValidPort,
  outboundOrigin,
} from './service-options.js';
import type { ServiceName, StartServiceOptions } from './service-options.js';

type ConfigError = InstanceType<typeof BookinfoConfigError>;

export type EnvOptionsResult =
  | { readonly ok: true; readonly options: StartServiceOptions }
  | { readonly ok: false; readonly error: ConfigError };

export type ServiceNameResult = { readonly ok: true; readonly name: ServiceName } | { readonly ok: false; readonly error: ConfigError };

export function parseServiceName(arg: string | undefined): ServiceNameResult {
  if (arg !== undefined && isServiceName(arg)) return { ok: true, name: arg };
  return { ok: false, error: new BookinfoConfigError('service', arg ?? '', SERVICE_NAMES.join(' | ')) };
}

/** An environment variable's value, treating set-but-empty like unset (as shells often pass it). */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): value is T {
  return value !== undefined && (allowed as readonly string[]).includes(value);
}

/**
 * Options from the environment the CLI documents: `BOOKINFO_HOST`, `BOOKINFO_PORT`,
 * `BOOKINFO_OUTBOUND`, and for reviews `SERVICE_VERSION`, `ENABLE_RATINGS`, `STAR_COLOR`,
 * `POD_NAME`, `CLUSTER_NAME`. The first unusable value is the error.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): EnvOptionsResult {
  const fail = (name: string, value: string, expected: string): EnvOptionsResult => ({
    ok: false,
    error: new BookinfoConfigError(name, value, expected),
  });

  const portText = read(env, 'BOOKINFO_PORT');
  const port = portText === undefined ? undefined : /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (portText !== undefined && (port === undefined || !isValidPort(port))) {
    return fail('BOOKINFO_PORT', portText, 'an integer from 0 to 65535');
  }

  const outbound = read(env, 'BOOKINFO_OUTBOUND');
  if (outbound !== undefined && outboundOrigin(outbound) === null) {
    return fail('BOOKINFO_OUTBOUND', outbound, 'an http URL such as http://127.10.2.3:15001');
  }

  const version = read(env, 'SERVICE_VERSION');
  if (version !== undefined && !oneOf<ReviewsVersion>(version, REVIEWS_VERSIONS)) {
    return fail('SERVICE_VERSION', version, REVIEWS_VERSIONS.join(' | '));
  }

  const enableRatingsText = read(env, 'ENABLE_RATINGS')?.toLowerCase();
  if (enableRatingsText !== undefined && enableRatingsText !== 'true' && enableRatingsText !== 'false') {
    return fail('ENABLE_RATINGS', enableRatingsText, 'true | false');
  }

  const starColor = read(env, 'STAR_COLOR')?.toLowerCase();
  if (starColor !== undefined && !oneOf<StarColor>(starColor, STAR_COLORS)) {
    return fail('STAR_COLOR', starColor, STAR_COLORS.join(' | '));
  }

  return {
    ok: true,
    options: {
      host: read(env, 'BOOKINFO_HOST'),
      port,
      outbound,
      version,
      enableRatings: enableRatingsText === undefined ? undefined : enableRatingsText === 'true',
      starColor,
      podName: read(env, 'POD_NAME'),
      clusterName: read(env, 'CLUSTER_NAME'),
    },
  };
}
