// Makes `npm test` and `npm run demo` work on a machine that has only Node and npm:
// installs the workspace with the pinned pnpm (a no-op taking a second when up to date).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { packageManager } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

execFileSync('npx', ['--yes', packageManager, 'install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], {
  cwd: root,
  stdio: 'inherit',
});
