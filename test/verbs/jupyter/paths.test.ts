/**
 * Jupyter data directories per platform, with the platform, environment and home injected: macOS and
 * Linux against Debian's jupyter_core (its sys.platform patched), Windows against jupyter_core's rules.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { jupyterDataPath, prefixDataDir, systemDataDirs, userDataDir } from '../../../kernel/verbs/jupyter/paths';
import { python } from '../../notebook/python-peer';

/** jupyter_core's jupyter_data_dir() and jupyter_path() for `platform` and exactly `env`. */
function jupyterCore(platform: string, env: Record<string, string>): { data: string; path: string[] } {
  return python(
    [
      'import json, os, sys, site, importlib',
      'platform, env = json.loads(sys.stdin.read())',
      // The Python user site (site.getuserbase()/share/jupyter) is Python-specific: leave it out.
      "user_site = os.path.join(site.getuserbase(), 'share', 'jupyter')",
      'os.environ.clear(); os.environ.update(env); sys.platform = platform',
      'import jupyter_core.paths as p; importlib.reload(p)',
      'print(json.dumps({"data": p.jupyter_data_dir(), "path": [d for d in p.jupyter_path() if d != user_site]}))'
    ].join('\n'),
    JSON.stringify([platform, env])
  );
}

describe('Jupyter data directories', () => {
  // jupyter_core resolves the home directory's symlinks; a real folder keeps both sides equal.
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-home-')));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  const cases: [string, NodeJS.Platform, Record<string, string>][] = [
    ['macOS', 'darwin', {}],
    ['macOS with JUPYTER_PATH', 'darwin', { JUPYTER_PATH: '/opt/a:/opt/b' }],
    ['Linux', 'linux', {}],
    ['Linux with XDG_DATA_HOME', 'linux', { XDG_DATA_HOME: '/srv/xdg' }],
    ['Linux with JUPYTER_DATA_DIR', 'linux', { JUPYTER_DATA_DIR: '/srv/jdata', XDG_DATA_HOME: '/srv/xdg' }]
  ];
  it.each(cases)('%s: the user directory and search path match jupyter_core', (_, platform, extra) => {
    const env = { HOME: home, ...extra };
    const peer = jupyterCore(platform, env);
    expect(userDataDir(env, { platform, home })).toBe(peer.data);
    expect(jupyterDataPath(env, { platform, home })).toEqual(peer.path);
  });

  it('macOS uses ~/Library/Jupyter, Linux ~/.local/share/jupyter', () => {
    expect(userDataDir({}, { platform: 'darwin', home: '/Users/ada' })).toBe('/Users/ada/Library/Jupyter');
    expect(userDataDir({}, { platform: 'linux', home: '/home/ada' })).toBe('/home/ada/.local/share/jupyter');
    expect(userDataDir({ JUPYTER_DATA_DIR: '/data/j' }, { platform: 'darwin', home: '/Users/ada' })).toBe('/data/j');
  });

  it('Windows uses %APPDATA%\\jupyter, else ~\\.jupyter\\data, and %PROGRAMDATA%\\jupyter for the system', () => {
    const host = { platform: 'win32' as const, home: 'C:\\Users\\ada' };
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', PROGRAMDATA: 'C:\\ProgramData' };
    expect(userDataDir(env, host)).toBe('C:\\Users\\ada\\AppData\\Roaming\\jupyter');
    expect(userDataDir({}, host)).toBe('C:\\Users\\ada\\.jupyter\\data');
    expect(userDataDir({ JUPYTER_CONFIG_DIR: 'D:\\cfg' }, host)).toBe('D:\\cfg\\data');
    expect(systemDataDirs(env, host)).toEqual(['C:\\ProgramData\\jupyter']);
    expect(prefixDataDir('C:\\venv', 'win32')).toBe('C:\\venv\\share\\jupyter');
    // JUPYTER_PATH is ;-separated on Windows; a virtualenv comes after the user dir unless preferred.
    const full = { ...env, JUPYTER_PATH: 'D:\\a;D:\\b', VIRTUAL_ENV: 'C:\\venv' };
    expect(jupyterDataPath(full, host)).toEqual([
      'D:\\a',
      'D:\\b',
      'C:\\Users\\ada\\AppData\\Roaming\\jupyter',
      'C:\\venv\\share\\jupyter',
      'C:\\ProgramData\\jupyter'
    ]);
    expect(jupyterDataPath({ ...full, JUPYTER_PREFER_ENV_PATH: '1' }, host).slice(2, 4)).toEqual([
      'C:\\venv\\share\\jupyter',
      'C:\\Users\\ada\\AppData\\Roaming\\jupyter'
    ]);
  });
});
