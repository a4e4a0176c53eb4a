let formattedSecond = -1;
let formatted = '';

/**
 * Now as an HTTP-date (`Fri, 27 Nov 2026 14:38:50 GMT`), formatted at most once a second. As Envoy
 * does, the connection manager gives a response without a `date` one (RFC 9110 §6.6.1: a
 * recipient with a clock that forwards a response without one appends it); node's HTTP/2 codec
 * does the same by itself.
 */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== formattedSecond) {
    formattedSecond = second;
    formatted = new Date(now).toUTCString();
  }
  return formatted;
}
