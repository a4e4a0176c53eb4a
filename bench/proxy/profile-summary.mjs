// Self time from a V8 .cpuprofile: where the proxy's busy CPU went (idle excluded), by function
// and by area (socket writes, node's stream internals, GC, each meshkit package).
import { readFileSync } from 'node:fs';
import path from 'node:path';

function selfTimes(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = profile.nodes.filter((node) => node.callFrame.functionName !== '(idle)');
  const total = nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  return { nodes, total };
}

function summed(entries, total, limit) {
  const sums = new Map();
  for (const [key, hits] of entries) sums.set(key, (sums.get(key) ?? 0) + hits);
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, percent: (100 * hits) / total }));
}

export function topFunctions(file, limit = 15) {
  const { nodes, total } = selfTimes(file);
  return summed(
    nodes.map(({ callFrame: { functionName, url, lineNumber }, hitCount }) => [`${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim(), hitCount ?? 0]),
    total,
    limit,
  );
}

/** The area a frame belongs to: a meshkit package, node's internals, or a native entry such as the socket writes. */
function area({ functionName, url }) {
  const meshkit = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (meshkit) return `@meshkit/${meshkit[2]}`;
  if (url.startsWith('node:')) return 'node (streams, net, timers)';
  if (url.includes('node_modules')) return 'dependencies';
  if (functionName === 'writev' || functionName === 'writeLatin1String' || functionName === 'writeBuffer' || functionName === 'writeUtf8String') return 'socket writes (syscalls)';
  return functionName || '(anonymous)';
}

export function byArea(file, limit = 10) {
  const { nodes, total } = selfTimes(file);
  return summed(
    nodes.map((node) => [area(node.callFrame), node.hitCount ?? 0]),
    total,
    limit,
  );
}
