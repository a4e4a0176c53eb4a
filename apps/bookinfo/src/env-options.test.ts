import { describe, expect, it } from 'vitest';
import { optionsFromEnv, parseServiceName } from './env-options.js';
import { BookinfoConfigError } from './errors.js';
import { reviewsSettings } from './service-options.js';

describe('optionsFromEnv', () => {
  it('leaves everything unset for an empty environment', () => {
    const result = optionsFromEnv({});
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.values(result.options).every((value) => value === undefined)).toBe(true);
  });

  it('reads every documented variable', () => {
    expect(
      optionsFromEnv({
        BOOKINFO_HOST: '127.10.2.3',
        BOOKINFO_PORT: '0',
        BOOKINFO_OUTBOUND: 'http://127.10.2.3:15001',
        SERVICE_VERSION: 'v3',
        ENABLE_RATINGS: 'TRUE',
        STAR_COLOR: 'Red',
        POD_NAME: 'reviews-v3-abc',
        CLUSTER_NAME: 'Kubernetes',
      }),
    ).toEqual({
      ok: true,
      options: {
        host: '127.10.2.3',
        port: 0,
        outbound: 'http://127.10.2.3:15001',
        version: 'v3',
        enableRatings: true,
        starColor: 'red',
        podName: 'reviews-v3-abc',
        clusterName: 'Kubernetes',
      },
    });
  });

  it.each([
    ['BOOKINFO_PORT', '65536'],
    ['BOOKINFO_PORT', '80a'],
    ['BOOKINFO_PORT', '-1'],
    ['BOOKINFO_OUTBOUND', '127.10.2.3:15001'],
    ['BOOKINFO_OUTBOUND', 'http://127.10.2.3:15001/prefix'],
    ['BOOKINFO_OUTBOUND', 'ftp://127.10.2.3'],
    ['SERVICE_VERSION', 'v4'],
    ['ENABLE_RATINGS', 'yes'],
    ['STAR_COLOR', 'blue'],
  ])('refuses %s=%s with a BookinfoConfigError naming it', (name, value) => {
    const result = optionsFromEnv({ [name]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(BookinfoConfigError);
      expect(result.error.code).toBe('MESHKIT_BOOKINFO_CONFIG');
      expect(result.error.message).toContain(`${name}=`);
    }
  });
});

describe('parseServiceName', () => {
  it('accepts the four services only', () => {
    for (const name of ['productpage', 'details', 'reviews', 'ratings']) expect(parseServiceName(name)).toEqual({ ok: true, name });
    expect(parseServiceName('mongodb').ok).toBe(false);
    expect(parseServiceName(undefined).ok).toBe(false);
  });
});

describe('reviewsSettings', () => {
  it('derives ratings and colour from the version, as the v1/v2/v3 images do', () => {
    expect(reviewsSettings({ version: 'v1' })).toMatchObject({ enableRatings: false, starColor: 'black', podName: 'reviews-v1' });
    expect(reviewsSettings({ version: 'v2' })).toMatchObject({ enableRatings: true, starColor: 'black', ratingsTimeoutMs: 10_000 });
    expect(reviewsSettings({ version: 'v3' })).toMatchObject({ enableRatings: true, starColor: 'red', ratingsTimeoutMs: 2_500 });
    expect(reviewsSettings({ version: 'v1', enableRatings: true, starColor: 'red' })).toMatchObject({ enableRatings: true, starColor: 'red' });
  });
});
