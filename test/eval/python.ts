/** Runs a Python snippet with JSON on stdin and parses its JSON stdout (scikit-learn/NumPy peers). */
import { spawnSync } from 'child_process';

// Debian's python3 carries python3-sklearn (a pyenv python3 earlier on PATH may not).
export function python(script: string, input: unknown): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
