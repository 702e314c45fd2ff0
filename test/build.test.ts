import * as fs from 'fs';
import * as path from 'path';

// `npm test` builds first; these check what the build produced.
const root = path.join(__dirname, '..');

describe('npm run build', () => {
  it('produces the Node build with the CLI entry', () => {
    expect(fs.existsSync(path.join(root, 'lib/kernel/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'lib/kernel/cli/main.js'))).toBe(true);
  });

  it('produces a prebuilt labextension with jupyterlab metadata and a remoteEntry', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'labextension/package.json'), 'utf8'));
    expect(pkg.name).toBe('neurostorm-lab');
    expect(pkg.jupyterlab.mimeExtension).toBeTruthy();
    const load: string = pkg.jupyterlab._build.load;
    expect(load).toMatch(/^static\/remoteEntry\.[0-9a-f]+\.js$/);
    expect(fs.existsSync(path.join(root, 'labextension', load))).toBe(true);
    expect(fs.existsSync(path.join(root, 'labextension/schemas/neurostorm-lab'))).toBe(true);
  });
});
