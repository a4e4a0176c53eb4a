import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, readCookie, sessionCookie } from './session-cookie.js';
import { SessionStore } from './session-store.js';

describe('SessionStore', () => {
  it('gives each sign-in a fresh unguessable id and forgets it when destroyed', () => {
    const store = new SessionStore();
    const a = store.create('jason');
    const b = store.create('jason');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(store.user(a)).toBe('jason');
    store.destroy(a);
    expect(store.user(a)).toBeUndefined();
    expect(store.user(b)).toBe('jason');
    expect(store.user(undefined)).toBeUndefined();
  });

  it('drops the oldest session beyond its bound', () => {
    const store = new SessionStore(2);
    const first = store.create('one');
    const second = store.create('two');
    const third = store.create('three');
    expect(store.size).toBe(2);
    expect(store.user(first)).toBeUndefined();
    expect(store.user(second)).toBe('two');
    expect(store.user(third)).toBe('three');
  });
});

describe('session cookies', () => {
  it('reads one cookie among several', () => {
    expect(readCookie('a=1; session=abc; b=2', 'session')).toBe('abc');
    expect(readCookie('xsession=abc', 'session')).toBeUndefined();
    expect(readCookie(undefined, 'session')).toBeUndefined();
  });

  it('sets HttpOnly on both the session and the clearing cookie', () => {
    expect(sessionCookie('id')).toBe('session=id; Path=/; HttpOnly; SameSite=Lax');
    expect(clearedSessionCookie()).toContain('Max-Age=0');
    expect(clearedSessionCookie()).toContain('HttpOnly');
  });
});
