import { defineError } from '@meshkit/core';

/** A setting (CLI argument, environment variable or option) the app cannot run with. */
export const BookinfoConfigError = defineError(
  'MESHKIT_BOOKINFO_CONFIG',
  'BookinfoConfigError',
  (setting: string, value: string, expected: string) =>
    `${setting}=${JSON.stringify(value)} is not valid: expected ${expected}`,
);

/** The service could not bind its listening socket (address in use, permission, bad host). */
export const BookinfoListenError = defineError(
  'MESHKIT_BOOKINFO_LISTEN',
  'BookinfoListenError',
  (service: string, host: string, port: number) => `bookinfo ${service} could not listen on ${host}:${port}`,
);
