/** Configuration of the JupyterLab test frontend (no browser needed). */
import * as fs from 'fs';
import * as path from 'path';
import { LAB_EXTENSIONS } from './lab-app/extensions';
import { sharedModules } from './lab-app/shared';

describe('JupyterLab test frontend', () => {
  it('bootstrap.ts imports exactly the extension packages whose schemas the build copies', () => {
    const source = fs.readFileSync(path.join(__dirname, 'lab-app/bootstrap.ts'), 'utf8');
    const imported = [...source.matchAll(/import\('(@jupyterlab\/[a-z-]+-extension)'\)/g)].map(m => m[1]);
    expect(imported).toEqual([...LAB_EXTENSIONS]);
  });

  it('shares the JupyterLab singletons a prebuilt extension expects, at the installed versions', () => {
    const shared = sharedModules();
    expect(shared['@lumino/widgets']).toMatchObject({ singleton: true });
    expect(shared['@jupyterlab/application'].version).toBe('4.6.4');
    expect(shared['@jupyterlab/settingregistry']).toMatchObject({ singleton: true, requiredVersion: `^${shared['@jupyterlab/settingregistry'].version}` });
  });
});
