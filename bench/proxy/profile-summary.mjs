// Self time by function from a V8 .cpuprofile: where the proxy's busy CPU went (idle excluded).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function topFunctions(file, limit = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byName = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += node.hitCount ?? 0;
    const key = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    byName.set(key, (byName.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, percent: (100 * hits) / total }));
}
