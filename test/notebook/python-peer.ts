/** Runs a Python snippet on Debian's interpreter (numpy, nibabel, PIL, jupyter_client) and parses its JSON stdout. */
import { spawnSync } from 'child_process';

export function python<T>(code: string, input?: string): T {
  const res = spawnSync('/usr/bin/python3', ['-c', code], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
