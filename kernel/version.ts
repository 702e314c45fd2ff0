import * as fs from 'fs';
import * as path from 'path';

/** Root of the installed package (the folder holding package.json), found from this module's location. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const name = (JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string }).name;
      if (name === 'neurostorm-lab') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json of neurostorm-lab not found above ${__dirname}`);
    dir = parent;
  }
}

/** The package version from package.json (one source of truth). */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
