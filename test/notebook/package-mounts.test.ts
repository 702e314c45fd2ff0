import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import {
  kernelMounts,
  mountIntoTypeScript,
  routePackageRequire,
  TsSys
} from '../../kernel/notebook/kernel/package-mounts';

describe('resolving "neurostorm-lab" from any notebook folder', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-mounts-'));
  const api = path.join(tmp, 'compiled', 'kernel');
  const notebooks = path.join(tmp, 'notebooks');
  const apiEntry = path.join(api, 'index.js');
  beforeAll(() => {
    fs.mkdirSync(api, { recursive: true });
    fs.mkdirSync(notebooks, { recursive: true });
    fs.writeFileSync(apiEntry, 'exports.answer = 42;\n');
    fs.writeFileSync(path.join(api, 'index.d.ts'), 'export declare const answer: number;\n');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lets TypeScript resolve the package and @types/node through the mounted sys', () => {
    const sys = { ...ts.sys } as unknown as TsSys & typeof ts.sys;
    const mounts = kernelMounts(notebooks, apiEntry, [path.join(__dirname, '..', '..')]);
    expect(mounts.map(m => path.relative(notebooks, m.at))).toEqual([
      path.join('node_modules', 'neurostorm-lab'),
      path.join('node_modules', '@types', 'node')
    ]);
    const undo = mountIntoTypeScript(sys, mounts);
    const options: ts.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10 };
    const resolved = ts.resolveModuleName(
      'neurostorm-lab',
      path.join(notebooks, '__cell__.ts'),
      options,
      sys
    );
    expect(resolved.resolvedModule?.resolvedFileName).toBe(path.join(api, 'index.d.ts'));
    expect(sys.getDirectories(path.join(notebooks, 'node_modules', '@types'))).toContain('node');
    expect(sys.fileExists(path.join(notebooks, 'node_modules', '@types', 'node', 'index.d.ts'))).toBe(true);
    expect(sys.fileExists(path.join(notebooks, 'node_modules', 'other', 'package.json'))).toBe(false);
    undo();
    expect(
      ts.resolveModuleName('neurostorm-lab', path.join(notebooks, '__cell__.ts'), options, sys).resolvedModule
    ).toBeUndefined();
  });

  it('does not mount @types/node where a folder above already has it', () => {
    const inRepo = kernelMounts(path.join(__dirname), apiEntry, []);
    expect(inRepo).toHaveLength(1);
  });

  it('routes require("neurostorm-lab") to the kernel\'s own API module and everything else through', () => {
    const seen: string[] = [];
    const original = (id: string): unknown => {
      seen.push(id);
      return `original:${id}`;
    };
    const routed = routePackageRequire(original, apiEntry);
    expect(routed('neurostorm-lab')).toEqual({ answer: 42 });
    expect(routed('fs')).toBe('original:fs');
    expect(seen).toEqual(['fs']);
  });
});
