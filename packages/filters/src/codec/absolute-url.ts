import { isValidAuthority } from './authority.js';

/** What an absolute-form request target (`GET http://host:port/path HTTP/1.1`) stands for. */
export interface AbsoluteTarget {
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  readonly path: string;
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/**
 * True for a target in absolute form, the form clients send to a proxy they were told to use
 * (`http_proxy`). Origin form starts with `/`; `*` is for OPTIONS, authority form for CONNECT.
 */
export function isAbsoluteForm(method: string, target: string): boolean {
  return method !== 'CONNECT' && target.charCodeAt(0) !== 0x2f /* '/' */ && target !== '*';
}

/**
 * Splits an absolute-form target as Envoy does (`allow_absolute_url`): its authority replaces the
 * Host (RFC 9112 §3.2.2), its path and query become `:path` (`/` when there are none), and its
 * scheme, lower-cased, becomes `:scheme`. Null for anything else: a scheme other than http or
 * https, an authority that is empty or not one, or a target that is no URL at all.
 */
export function parseAbsoluteTarget(target: string): AbsoluteTarget | null {
  const match = ABSOLUTE.exec(target);
  if (match === null) return null;
  const scheme = (match[1] as string).toLowerCase();
  const authority = match[2] as string;
  if ((scheme !== 'http' && scheme !== 'https') || authority === '' || !isValidAuthority(authority)) return null;
  const rest = match[3] as string;
  return { scheme, authority, path: rest.charCodeAt(0) === 0x2f ? rest : `/${rest}` };
}
