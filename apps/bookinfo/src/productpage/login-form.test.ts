import { describe, expect, it } from 'vitest';
import { parseLoginForm } from './login-form.js';

const FORM = 'application/x-www-form-urlencoded';

describe('parseLoginForm', () => {
  it('reads the username, trimmed, ignoring the password', () => {
    expect(parseLoginForm(FORM, 'username=+jason+&passwd=secret')).toEqual({ ok: true, username: 'jason' });
    expect(parseLoginForm(`${FORM}; charset=UTF-8`, 'username=Jason%20Q')).toEqual({ ok: true, username: 'Jason Q' });
  });

  it.each([
    [FORM, ''],
    [FORM, 'user=jason'],
    [FORM, 'username='],
    [FORM, 'username=a&username=a'],
    [FORM, 'username=%00'],
    [FORM, 'username=j%C3%A4son'],
    ['text/plain', 'username=jason'],
    [undefined, 'username=jason'],
  ])('refuses %s %j', (contentType, body) => {
    const result = parseLoginForm(contentType, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });
});
