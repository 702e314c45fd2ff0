/**
 * `neurostorm lab FOLDER` end to end on 127.0.0.1: the compiled CLI installs the kernelspec and the
 * labextension (into --prefix), serves JupyterLab on the folder — here the npm-assembled frontend on
 * Debian's jupyter_server, as the machine has no `jupyter lab` — prints the URL, the kernelspec API
 * lists our kernel, the launcher in a real browser shows its card, and SIGINT stops the server and the
 * command cleanly (exit 0, the port closed). Without any Jupyter server the command says what to install.
 * Needs `npm run build` (lib/ and labextension/).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { buildLabApp } from './lab-app/bundle';
import { REPO_ROOT } from './support/bundle';
import { artifactPath, describeWithChromium, launchChromium } from './support/chromium';
import { CLI, startLabCommand } from './support/lab-command';

jest.setTimeout(300_000);

function portOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describeWithChromium('neurostorm lab', () => {
  it('installs, serves JupyterLab with our kernel in the launcher, and stops on SIGINT', async () => {
    if (!fs.existsSync(CLI) || !fs.existsSync(path.join(REPO_ROOT, 'labextension', 'package.json'))) throw new Error('run `npm run build` first');
    const app = (await buildLabApp()).dir;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-labcmd-'));
    const folder = path.join(work, 'project');
    const prefix = path.join(work, 'prefix'); // where startLabCommand installs
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'hello.txt'), 'hi\n');
    const lab = await startLabCommand(folder, work, app);
    const { child, url, origin, token, port, exited } = lab;
    try {
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
      expect(lab.output()).toMatch(/stopped/);
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
