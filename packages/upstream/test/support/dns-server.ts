import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Records one name answers with. A name that is not set is NXDOMAIN; a set name without records of a type is NODATA. */
export interface DnsRecords {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  /** Seconds. Default 30. */
  readonly ttl?: number;
}

/**
 * A real authoritative DNS server on 127.0.0.1 (UDP) for names under a test zone, answering A
 * and AAAA queries from a table the test may change at any time.
 */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `Resolver.setServers`. */
  readonly address: string;
  /** Queries received per name (lower-case), any type. */
  queriesFor(name: string): number;
  set(name: string, records: DnsRecords): void;
  delete(name: string): void;
  /** `servfail`: answer every query with SERVFAIL; `answer`: back to normal. */
  mode: 'answer' | 'servfail';
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const table = new Map<string, DnsRecords>();
  const queries = new Map<string, number>();
  const server: TestDnsServer = {
    address: '',
    mode: 'answer',
    queriesFor: (name) => queries.get(name.toLowerCase()) ?? 0,
    set: (name, records) => table.set(name.toLowerCase(), records),
    delete: (name) => table.delete(name.toLowerCase()),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, remote) => {
    const question = parseQuestion(message);
    if (question === null) return;
    queries.set(question.name, (queries.get(question.name) ?? 0) + 1);
    const records = table.get(question.name);
    let rcode = 0;
    let answers: readonly string[] = [];
    if (server.mode === 'servfail') rcode = RCODE_SERVFAIL;
    else if (records === undefined) rcode = RCODE_NXDOMAIN;
    else if (question.type === TYPE_A) answers = records.a ?? [];
    else if (question.type === TYPE_AAAA) answers = records.aaaa ?? [];
    const reply = buildReply(message, question.end, question.type, rcode, answers, records?.ttl ?? 30);
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return Object.assign(server, { address: `127.0.0.1:${port}` });
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** Offset just past the question section. */
  readonly end: number;
}

function parseQuestion(message: Buffer): Question | null {
  if (message.length < 12 || message.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let at = 12;
  // Bounded by the message length: every step consumes at least one byte.
  while (at < message.length) {
    const length = message[at] ?? 0;
    at++;
    if (length === 0) break;
    labels.push(message.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > message.length) return null;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(at), end: at + 4 };
}

function buildReply(query: Buffer, questionEnd: number, type: number, rcode: number, answers: readonly string[], ttl: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  const recursionDesired = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8400 | recursionDesired | rcode, 2); // response, authoritative
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((address) => {
    const rdata = type === TYPE_AAAA ? ipv6Bytes(address) : Buffer.from(address.split('.').map(Number));
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4); // class IN
    record.writeUInt32BE(ttl, 6);
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

function ipv6Bytes(address: string): Buffer {
  if (!isIPv6(address)) throw new Error(`not an IPv6 address: ${address}`);
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const middle = new Array<string>(8 - left.length - right.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...left, ...middle, ...right].forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}
