import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { HeaderMatcherInput } from './route-config-input.js';
import type { RouteRequest } from './route-request.js';

type Headers = RouteRequest['headers'];

/** Whether a route with these header matchers accepts a request with these headers. */
function accepts(...matchers: HeaderMatcherInput[]): (headers: Headers, extra?: Partial<RouteRequest>) => boolean {
  const table = compileRouteConfig({
    name: 'test',
    virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/', headers: matchers }, route: { cluster: 'c' } }] }],
  });
  return (headers, extra = {}) =>
    table.match({ authority: 'svc.test', path: '/items?page=2', method: 'GET', headers, ...extra }) !== null;
}

describe('stringMatch', () => {
  it('exact', () => {
    const m = accepts({ name: 'x-env', stringMatch: { exact: 'prod' } });
    expect(m({ 'x-env': 'prod' })).toBe(true);
    expect(m({ 'x-env': 'Prod' })).toBe(false);
    expect(m({ 'x-env': 'prod2' })).toBe(false);
    expect(m({})).toBe(false);
  });

  it('exact with ignoreCase', () => {
    const m = accepts({ name: 'x-env', stringMatch: { exact: 'Prod', ignoreCase: true } });
    expect(m({ 'x-env': 'PROD' })).toBe(true);
    expect(m({ 'x-env': 'prods' })).toBe(false);
  });

  it('an empty exact value matches only an empty header', () => {
    const m = accepts({ name: 'x-empty', stringMatch: { exact: '' } });
    expect(m({ 'x-empty': '' })).toBe(true);
    expect(m({ 'x-empty': 'a' })).toBe(false);
  });

  it('prefix', () => {
    const m = accepts({ name: 'user-agent', stringMatch: { prefix: 'curl/' } });
    expect(m({ 'user-agent': 'curl/8.5' })).toBe(true);
    expect(m({ 'user-agent': 'Curl/8.5' })).toBe(false);
    expect(m({ 'user-agent': 'xcurl/8.5' })).toBe(false);
    const folded = accepts({ name: 'user-agent', stringMatch: { prefix: 'Curl/', ignoreCase: true } });
    expect(folded({ 'user-agent': 'cURL/8.5' })).toBe(true);
    expect(folded({ 'user-agent': 'cur' })).toBe(false);
  });

  it('suffix', () => {
    const m = accepts({ name: 'x-file', stringMatch: { suffix: '.json' } });
    expect(m({ 'x-file': 'a.json' })).toBe(true);
    expect(m({ 'x-file': 'a.JSON' })).toBe(false);
    expect(m({ 'x-file': 'a.json5' })).toBe(false);
    const folded = accepts({ name: 'x-file', stringMatch: { suffix: '.Json', ignoreCase: true } });
    expect(folded({ 'x-file': 'A.JSON' })).toBe(true);
    expect(folded({ 'x-file': 'json' })).toBe(false);
  });

  it('contains', () => {
    const m = accepts({ name: 'accept', stringMatch: { contains: 'json' } });
    expect(m({ accept: 'application/json; q=1' })).toBe(true);
    expect(m({ accept: 'application/JSON' })).toBe(false);
    const folded = accepts({ name: 'accept', stringMatch: { contains: 'JSON', ignoreCase: true } });
    expect(folded({ accept: 'application/json' })).toBe(true);
    expect(folded({ accept: 'text/html' })).toBe(false);
  });

  it('safeRegex matches the whole value and ignores ignoreCase', () => {
    const m = accepts({ name: 'x-version', stringMatch: { safeRegex: { regex: 'v[0-9]+' }, ignoreCase: true } });
    expect(m({ 'x-version': 'v12' })).toBe(true);
    expect(m({ 'x-version': 'v12-beta' })).toBe(false);
    expect(m({ 'x-version': 'xv1' })).toBe(false);
    expect(m({ 'x-version': 'V12' })).toBe(false);
  });
});

describe('presence', () => {
  it('presentMatch: true requires the header', () => {
    const m = accepts({ name: 'x-debug', presentMatch: true });
    expect(m({ 'x-debug': '' })).toBe(true);
    expect(m({ 'x-debug': '0' })).toBe(true);
    expect(m({})).toBe(false);
    expect(m({ 'x-debug': undefined })).toBe(false);
    expect(m({ 'x-debug': [] })).toBe(false);
  });

  it('presentMatch: false requires its absence', () => {
    const m = accepts({ name: 'x-debug', presentMatch: false });
    expect(m({})).toBe(true);
    expect(m({ 'x-debug': '1' })).toBe(false);
  });

  it('a matcher with only a name accepts any value of a present header', () => {
    const m = accepts({ name: 'x-debug' });
    expect(m({ 'x-debug': 'anything' })).toBe(true);
    expect(m({})).toBe(false);
  });
});

describe('invertMatch', () => {
  it('flips the result for a present header', () => {
    const m = accepts({ name: 'x-env', stringMatch: { exact: 'prod' }, invertMatch: true });
    expect(m({ 'x-env': 'dev' })).toBe(true);
    expect(m({ 'x-env': 'prod' })).toBe(false);
  });

  it('still refuses a missing header for a value matcher, as Envoy does', () => {
    expect(accepts({ name: 'x-env', stringMatch: { exact: 'prod' }, invertMatch: true })({})).toBe(false);
    expect(accepts({ name: 'x-env', invertMatch: true })({})).toBe(false);
  });

  it('flips presence matching', () => {
    const notPresent = accepts({ name: 'x-debug', presentMatch: true, invertMatch: true });
    expect(notPresent({})).toBe(true);
    expect(notPresent({ 'x-debug': '1' })).toBe(false);
    const notAbsent = accepts({ name: 'x-debug', presentMatch: false, invertMatch: true });
    expect(notAbsent({})).toBe(false);
    expect(notAbsent({ 'x-debug': '1' })).toBe(true);
  });
});

describe('repeated headers', () => {
  it('are joined with "," before matching', () => {
    const m = accepts({ name: 'x-tag', stringMatch: { exact: 'a,b' } });
    expect(m({ 'x-tag': ['a', 'b'] })).toBe(true);
    expect(m({ 'x-tag': ['a'] })).toBe(false);
    expect(m({ 'x-tag': ['a', 'b', 'c'] })).toBe(false);
    expect(accepts({ name: 'x-tag', stringMatch: { exact: 'a' } })({ 'x-tag': ['a'] })).toBe(true);
    expect(accepts({ name: 'x-tag', stringMatch: { safeRegex: { regex: 'a,.*' } } })({ 'x-tag': ['a', 'z'] })).toBe(true);
  });
});

describe('names', () => {
  it('are case-insensitive in config and read lower-case from the request', () => {
    expect(accepts({ name: 'X-Env', stringMatch: { exact: 'prod' } })({ 'x-env': 'prod' })).toBe(true);
  });

  it('map :method, :authority and :path to the request fields', () => {
    const post = accepts({ name: ':method', stringMatch: { exact: 'POST' } });
    expect(post({}, { method: 'POST' })).toBe(true);
    expect(post({}, { method: 'GET' })).toBe(false);
    expect(post({ ':method': 'POST' }, { method: 'GET' })).toBe(false);
    const authority = accepts({ name: ':authority', stringMatch: { suffix: '.test' } });
    expect(authority({})).toBe(true);
    expect(authority({}, { authority: 'svc.example' })).toBe(false);
    // :path is the whole request target, query included
    expect(accepts({ name: ':path', stringMatch: { exact: '/items?page=2' } })({})).toBe(true);
    expect(accepts({ name: ':path', stringMatch: { exact: '/items' } })({})).toBe(false);
  });
});

describe('several matchers', () => {
  it('must all match', () => {
    const m = accepts({ name: 'x-a', stringMatch: { exact: '1' } }, { name: 'x-b', presentMatch: false });
    expect(m({ 'x-a': '1' })).toBe(true);
    expect(m({ 'x-a': '1', 'x-b': '1' })).toBe(false);
    expect(m({ 'x-a': '2' })).toBe(false);
  });
});
