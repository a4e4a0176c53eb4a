// What the proxy benchmarks share: Debian packages installed on demand, and waiting for a target to answer.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

function have(binary) {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs with apt the packages (`{ binary: package }`) whose binary is not on the path. */
export function installMissing(packages) {
  const missing = Object.entries(packages)
    .filter(([binary]) => !have(binary))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} (apt)…`);
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`], { stdio: 'inherit' });
}

/** Resolves once 127.0.0.1:`port` answers a GET with 200; gives up after `seconds`. */
export async function waitForPort(port, seconds = 10) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}
