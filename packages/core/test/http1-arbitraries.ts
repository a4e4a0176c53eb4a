import fc from 'fast-check';

// fast-check arbitraries for raw HTTP/1.1 requests and responses: mostly well-formed pieces, with
// the variants request smuggling and response splitting are made of mixed in (bare CR or LF,
// whitespace around names, sizes and versions, listed or repeated lengths and codings, control
// characters, odd chunk lines), so that both parsers of the differential test are driven through
// their error paths as well.

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** `usual` with `odd` mixed in, `oddShare` of the time in ten. */
const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, oddShare = 1): fc.Arbitrary<T> =>
  fc.oneof({ weight: Math.round((10 - oddShare) * 10), arbitrary: usual }, { weight: Math.round(oddShare * 10), arbitrary: odd });

const lineEnd = mostly(fc.constant('\r\n'), pick('\n', '\r', '\r\r\n', ' \r\n'), 0.3);
const whitespace = pick('', ' ', '\t', '  ', ' \t');
const method = pick('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH');
const target = mostly(pick('/', '/a?b=c', '/%41', '*', 'http://h/p'), pick('/a b', '/a\tb', '', '/\x00', '/\x7f', '/\xe9'), 0.5);
const version = mostly(pick('HTTP/1.1'), pick('HTTP/1.0', 'HTTP/1.1 ', 'HTTP/1.10', 'HTTP/01.1', 'HTTP/1.', 'http/1.1', 'HTTP/2.0'), 0.5);
const separator = mostly(pick(' '), pick('  ', '\t'), 0.3);

const fieldLine = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(name, whitespace, value, whitespace, lineEnd).map(([n, before, v, after, end]) => `${n}:${before}${v}${after}${end}`);

const oddName = pick('host ', ' host', 'x a', 'x\x00', '', 'x"', 'x(a)', 'conTent-length', 'transfer_encoding', 'Host', 'content-length', 'transfer-encoding');
const value = mostly(
  pick('a', '3', '0', 'chunked', 'close', 'keep-alive', 'upgrade', 'websocket', 'trailers', 'a, b', '*/*'),
  pick('chunked\x0b', '\x0bchunked', 'a\x00b', 'a\x7fb', '\xff', 'a\rb', 'a\nb', '99999999999999999999', ''),
  0.5,
);
const extraField = mostly(fieldLine(pick('x-a', 'User-Agent', 'accept', 'connection', 'upgrade', 'te', 'expect'), value), fieldLine(oddName, value), 0.5);
const host = mostly(fieldLine(pick('Host', 'host', 'HOST'), pick('a', 'a:80', 'h.test')), fc.constant(''), 0.3);

const chunkSize = mostly(
  pick('3', '0003', 'A', 'a'),
  pick('3 ', '3\t', ' 3', '3;x', '3 ;x', '3;x=y', '3;x="a b"', '3;x="a\nb"', '0x3', '+3', '3 x', '1 0', '-3', 'fffffffffffffffffff', ''),
  2,
);
const chunk = fc.tuple(chunkSize, lineEnd, pick('abc', 'ab', 'abcd', 'abcdefghij'), lineEnd).map((parts) => parts.join(''));
const lastChunk = fc
  .tuple(mostly(pick('0', '00'), pick('0 ', '0;x', '0\t;x')), lineEnd, fc.array(extraField, { maxLength: 2 }), lineEnd)
  .map(([zero, end, trailers, blank]) => zero + end + trailers.join('') + blank);
const chunkedBody = fc.tuple(fc.array(chunk, { maxLength: 2 }), lastChunk).map(([chunks, last]) => chunks.join('') + last);

const contentLength = (values: fc.Arbitrary<string>): fc.Arbitrary<string> => fieldLine(pick('Content-Length', 'content-length'), values);
const transferEncoding = (values: fc.Arbitrary<string>): fc.Arbitrary<string> => fieldLine(pick('Transfer-Encoding', 'transfer-encoding'), values);
const bothFramings = fc.tuple(contentLength(pick('3', '0')), transferEncoding(pick('chunked'))).map((lines) => lines.join(''));

/** The framing fields and the body they frame: mostly in agreement, sometimes not, sometimes both. */
const framedBody = fc.oneof(
  fc.constant(['', '']),
  fc.tuple(contentLength(mostly(pick('3'), pick('3, 3', '+3', '03', '3 3', '0x3', '-1', '4', '2', ''), 2)), pick('abc')),
  fc.tuple(transferEncoding(mostly(pick('chunked', 'CHUNKED'), pick('chunked, chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'xchunked', 'chunked\x0b'), 2)), chunkedBody),
  fc.tuple(bothFramings, chunkedBody),
);

const request = fc
  .tuple(pick('', '', '', '\r\n'), method, separator, target, separator, version, lineEnd, host, fc.array(extraField, { maxLength: 3 }), framedBody, lineEnd)
  .map(([lead, m, sp1, t, sp2, v, end, hostLine, fields, [framing, b], blank]) => `${lead}${m}${sp1}${t}${sp2}${v}${end}${hostLine}${fields.join('')}${framing}${blank}${b}`);

/** One to three requests on one connection, as latin1 text. */
export const requestStream: fc.Arbitrary<string> = fc.array(request, { minLength: 1, maxLength: 3 }).map((requests) => requests.join(''));

const statusLine = mostly(
  pick('HTTP/1.1 200 OK', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.0 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 ', 'HTTP/1.1 200'),
  pick('HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1  200 OK', 'HTTP/1.2 200 OK', 'HTTP/2 200', 'HTTP/1.1 200 O\x00K', 'http/1.1 200 OK', 'HTTP/1.1 099 X'),
  0.7,
);
const interim = mostly(fc.constant(''), pick('HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'));
const responseField = mostly(fieldLine(pick('x-a', 'Server', 'connection', 'date'), value), fieldLine(oddName, value), 0.5);
const responseBody = fc.oneof(
  fc.constant(['', 'until the close']),
  fc.tuple(contentLength(mostly(pick('3'), pick('3, 3', '+3', '03', '4', '2', ''), 2)), pick('abc', 'abcEXTRA')),
  fc.tuple(fc.tuple(contentLength(pick('3')), contentLength(pick('3', '4'))).map((lines) => lines.join('')), pick('abc', 'abcd')),
  fc.tuple(transferEncoding(mostly(pick('chunked'), pick('chunked, chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'gzip'), 2)), chunkedBody),
  fc.tuple(bothFramings, chunkedBody),
);
const response = fc
  .tuple(interim, statusLine, lineEnd, fc.array(responseField, { maxLength: 3 }), responseBody, lineEnd)
  .map(([early, status, end, fields, [framing, b], blank]) => `${early}${status}${end}${fields.join('')}${framing}${blank}${b}`);

/** A response (after any interim ones) as latin1 text, and the method of the request it answers. */
export const responseExchange: fc.Arbitrary<[string, string]> = fc.tuple(response, mostly(pick('GET'), pick('HEAD'), 2));
