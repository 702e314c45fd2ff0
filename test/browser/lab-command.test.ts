/**
 * `neurostorm lab FOLDER` end to end on 127.0.0.1: the compiled CLI installs the kernelspec and the
 * labextension (into --prefix), serves JupyterLab on the folder — here the npm-assembled frontend on
 * Debian's jupyter_server, as the machine has no `jupyter lab` — prints the URL, the kernelspec API
 * lists our kernel, the launcher in a real browser shows its card, and SIGINT stops the server and the
 * command cleanly (exit 0, the port closed). Without any Jupyter server the command says what to install.
 * Needs `npm run build` (lib/ and labextension/).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { buildLabApp } from './lab-app/bundle';
import { REPO_ROOT } from './support/bundle';
import { artifactPath, describeWithChromium, launchChromium } from './support/chromium';

jest.setTimeout(300_000);

const CLI = path.join(process.env.NEUROSTORM_LIB_DIR ?? path.join(REPO_ROOT, 'lib'), 'kernel', 'cli', 'main.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Resolves with the URL the command prints once the server answers. */
function urlOf(child: ChildProcessWithoutNullStreams, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 180 s:\n${log()}`)), 180_000);
    const look = () => {
      const m = /JupyterLab at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+)/.exec(log());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', look);
    child.stdout.on('data', look);
    child.once('exit', code => reject(new Error(`neurostorm lab exited with ${code}:\n${log()}`)));
  });
}

describeWithChromium('neurostorm lab', () => {
  it('installs, serves JupyterLab with our kernel in the launcher, and stops on SIGINT', async () => {
    if (!fs.existsSync(CLI) || !fs.existsSync(path.join(REPO_ROOT, 'labextension', 'package.json'))) throw new Error('run `npm run build` first');
    const app = (await buildLabApp()).dir;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-labcmd-'));
    const folder = path.join(work, 'project');
    const prefix = path.join(work, 'prefix');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'hello.txt'), 'hi\n');
    const env: NodeJS.ProcessEnv = { ...process.env, NEUROSTORM_LAB_APP: app, HOME: work, JUPYTER_CONFIG_DIR: path.join(work, 'config'), JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'), JUPYTER_DATA_DIR: path.join(work, 'data') };
    delete env.JUPYTER_PATH;
    const child = spawn(process.execPath, [CLI, 'lab', folder, '--prefix', prefix, '--no-browser', '--frontend', 'bundled'], { env, stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
    let output = '';
    child.stdout.on('data', d => (output += String(d)));
    child.stderr.on('data', d => (output += String(d)));
    const exited = new Promise<{ code: number | null; signal: string | null }>(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const url = await urlOf(child, () => output);
      const { origin, searchParams } = new URL(url);
      const token = searchParams.get('token') as string;
      const port = Number(new URL(url).port);

      const specs = (await (await fetch(`${origin}/api/kernelspecs?token=${token}`)).json()) as { kernelspecs: Record<string, { spec: { display_name: string; argv: string[] } }> };
      expect(specs.kernelspecs.neurostorm.spec.display_name).toBe('NeuroSTORM (TypeScript)');
      expect(fs.existsSync(specs.kernelspecs.neurostorm.spec.argv[1])).toBe(true);
      expect(fs.existsSync(path.join(prefix, 'share', 'jupyter', 'labextensions', 'neurostorm-lab', 'package.json'))).toBe(true);
      const contents = (await (await fetch(`${origin}/api/contents?token=${token}`)).json()) as { content: { name: string }[] };
      expect(contents.content.map(c => c.name)).toContain('hello.txt');

      const { browser, close } = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(url);
        const card = page.locator('.jp-LauncherCard[title*="NeuroSTORM"], .jp-LauncherCard:has-text("NeuroSTORM")').first();
        await card.waitFor({ timeout: 120_000 });
        await page.screenshot({ path: artifactPath('lab-command-launcher.png') });
        expect(await card.count()).toBe(1);
      } finally {
        await close();
      }

      child.kill('SIGINT');
      const end = await exited;
      expect(end).toEqual({ code: 0, signal: null });
      expect(await portOpen(port)).toBe(false);
      expect(output).toMatch(/stopped/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('without a Jupyter server says what to install', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-labcmd-none-'));
    // A PATH without jupyter-lab or python; the assembled frontend is there, the server is not.
    const env = { PATH: path.dirname(process.execPath), HOME: work, NEUROSTORM_LAB_APP: path.join(work, 'no-app') };
    const r = spawnSync(process.execPath, [CLI, 'lab', work, '--prefix', path.join(work, 'p'), '--no-browser', '--frontend', 'jupyterlab'], { env, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/jupyter-lab. is not on PATH/);
    expect(r.stderr).toMatch(/pip install jupyterlab/);
    expect(fs.existsSync(path.join(work, 'p'))).toBe(false);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
