/**
 * End to end in a real JupyterLab 4 frontend: the standard extensions bundled by webpack, served by
 * Debian's jupyterlab_server on jupyter_server 1.23, with neurostorm-lab's prebuilt labextension
 * and kernelspec installed by `neurostorm install --prefix`. One notebook opens with stored outputs
 * of our MIME types, another runs its cells on the NeuroSTORM kernel. Screenshots go to
 * test-artifacts/.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { MIME_BUNDLE } from '../../kernel/notebook/display/display';
import { plot } from '../../kernel/notebook/display/plot-view';
import { progressBundle } from '../../kernel/notebook/display/progress';
import { view } from '../../kernel/notebook/display/volume-view';
import { aal3Labels, FILES, plotPayloads, progressPayload, REAL_DATA } from './fixtures/payloads';
import { buildLabApp } from './lab-app/bundle';
import { notebookJson } from './lab-app/notebooks';
import { startLabServer, type LabServer } from './lab-app/server';
import { artifactPath, describeWithChromium, launchChromium, type LaunchedBrowser } from './support/chromium';
import { REPO_ROOT } from './support/bundle';
import { decodePng, nonBackgroundFraction } from './support/png';

jest.setTimeout(300_000);

/** The compiled package `npm run build` makes (NEUROSTORM_LIB_DIR points elsewhere for a private build). */
const LIB_DIR = process.env.NEUROSTORM_LIB_DIR ?? path.join(REPO_ROOT, 'lib');
const CLI = path.join(LIB_DIR, 'kernel/cli/main.js');
const real = (rel: string): string => path.join(REAL_DATA, rel);

/** The built labextension's metadata (its `_build` says which modules it exposes). */
function builtExtension(): { jupyterlab?: { _build?: { load?: string; extension?: string } } } | null {
  const file = path.join(REPO_ROOT, 'labextension/package.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

/**
 * The settings plugin (src/plugin.ts) is in the labextension only when package.json names it as
 * `jupyterlab.extension`; until then its end-to-end check is skipped, saying why.
 */
const settingsPluginBuilt = builtExtension()?.jupyterlab?._build?.extension !== undefined;
if (!settingsPluginBuilt) console.warn('SKIPPING the settings end-to-end check: package.json has no jupyterlab.extension ("lib/ext/src/plugin.js"), so the labextension has no settings plugin');

function assertBuilt(): void {
  const load = builtExtension()?.jupyterlab?._build?.load;
  if (!load || !fs.existsSync(CLI) || !fs.existsSync(path.join(LIB_DIR, 'kernel/notebook/kernel/kernel-main.js'))) {
    throw new Error(`the end-to-end test needs the built package (labextension/ and ${CLI}, with the kernel): run \`npm run build\` first`);
  }
}

async function writeNotebooks(root: string): Promise<void> {
  const template = real(FILES.template);
  const atlas = await view(template, {
    title: 'avg152T1 with brain mask and AAL3',
    overlays: [
      { image: real(FILES.mask), role: 'mask', name: 'brain mask', colormap: 'red', opacity: 0.2, window: { min: 0, max: 1 } },
      { image: real(FILES.aal3), role: 'atlas', name: 'AAL3', opacity: 0.5, labels: aal3Labels() }
    ]
  });
  // Over the 64 KiB cap: referenced by path under the notebook folder, fetched through /files/.
  const byPath = await view(real(FILES.functional), { title: 'functional.nii by path', maxEmbeddedBytes: 65536, notebookDir: root });
  const plots = plotPayloads();
  fs.writeFileSync(
    path.join(root, 'stored.ipynb'),
    notebookJson(
      [
        { source: 'await ns.view(template, { overlays: [mask, aal3] })', outputs: [atlas[MIME_BUNDLE]()] },
        { source: "await ns.view('functional.nii', { maxEmbeddedBytes: 65536 })", outputs: [byPath[MIME_BUNDLE]()] },
        { source: "ns.plot(roc, { title: 'ASD vs control' })", outputs: [plot(plots.roc.plot, { title: plots.roc.title })[MIME_BUNDLE]()] },
        { source: "ns.plot(scatter, { title: 'Age' })", outputs: [plot(plots.scatter.plot, { title: plots.scatter.title })[MIME_BUNDLE]()] },
        { source: 'progress', outputs: [progressBundle(progressPayload(60))] }
      ],
      { name: 'neurostorm', displayName: 'NeuroSTORM (TypeScript)' }
    )
  );
  const liveCurve = [
    "const curve = (n: number) => ns.plot({ kind: 'training', series: [{ name: 'train loss', x: [...Array(n).keys()].map(i => i + 1), y: [...Array(n).keys()].map(i => 1 / (1 + i)) }], xLabel: 'step', yLabel: 'loss' }, { title: 'live training' });",
    "ns.display(curve(3), 'curve');",
    'for (let n = 4; n <= 8; n++) {',
    '  await new Promise(r => setTimeout(r, 100));',
    "  ns.notebook.updateDisplay(curve(n), 'curve');",
    '}'
  ].join('\n');
  fs.writeFileSync(path.join(root, 'settings.ipynb'), notebookJson([{ source: 'ns.plot(rank)', outputs: [plot(plots.rank.plot, { title: plots.rank.title })[MIME_BUNDLE]()] }], { name: 'neurostorm', displayName: 'NeuroSTORM (TypeScript)' }));
  fs.writeFileSync(
    path.join(root, 'live.ipynb'),
    notebookJson(
      [
        { source: "import * as ns from 'neurostorm-lab';" },
        { source: `await ns.view(${JSON.stringify(real(FILES.functional))}, { title: 'live functional' })` },
        { source: `await ns.view(${JSON.stringify(template)}, { title: 'live template by path', maxEmbeddedBytes: 65536 })` },
        { source: liveCurve },
        { source: "for await (const step of ns.notebook.track(5, 'live loop')) {\n  await new Promise(r => setTimeout(r, 100));\n}" }
      ],
      { name: 'neurostorm', displayName: 'NeuroSTORM (TypeScript)' }
    )
  );
}

describeWithChromium('JupyterLab 4 end to end', () => {
  let tmp: string;
  let server: LabServer;
  let launched: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    assertBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-lab-e2e-'));
    const prefix = path.join(tmp, 'prefix');
    const install = spawnSync(process.execPath, [CLI, 'install', '--prefix', prefix], { encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`neurostorm install failed:\n${install.stdout}\n${install.stderr}`);
    const root = path.join(tmp, 'notebooks');
    fs.mkdirSync(root, { recursive: true });
    await writeNotebooks(root);
    const app = await buildLabApp();
    server = await startLabServer({ appDir: app.dir, rootDir: root, stateDir: path.join(tmp, 'state'), jupyterPath: [path.join(prefix, 'share/jupyter')] });
    launched = await launchChromium();
  });

  // A fresh browser context per notebook, as a person opening a new window.
  beforeEach(async () => {
    page = await launched.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  });

  afterEach(async () => {
    await page?.context().close();
  });

  afterAll(async () => {
    await launched?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function open(notebook: string): Promise<void> {
    // One workspace per notebook, so each page shows only that notebook.
    await page.goto(`${server.url}/lab/workspaces/${path.basename(notebook, '.ipynb')}/tree/${notebook}?token=${server.token}`);
    await page.waitForFunction(() => document.body.dataset.labRestored === 'true' || document.body.dataset.labError !== undefined, null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.labError ?? null)).toBeNull();
    expect(await page.evaluate(() => document.body.dataset.federated)).toBe('neurostorm-lab');
    await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell', { timeout: 30_000 });
    // The notebook gets the window's width, as a person closing the file browser would see it.
    await page.evaluate(() => (window as unknown as { jupyterapp: { shell: { collapseLeft(): void } } }).jupyterapp.shell.collapseLeft());
  }

  /** What a person sees of the notebook: the panel's box and each of our outputs' boxes and states. */
  const layout = (): Promise<{ panel: { width: number; height: number }; outputs: { kind: string; state: string; width: number; height: number; visible: boolean }[] }> =>
    page.evaluate(() => {
      const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') as HTMLElement;
      const box = panel.getBoundingClientRect();
      const outputs = Array.from(panel.querySelectorAll<HTMLElement>('.jp-NeuroStormVolume, .jp-NeuroStormPlot, .jp-NeuroStormProgress')).map(node => {
        const r = node.getBoundingClientRect();
        return { kind: node.className.match(/jp-NeuroStorm(Volume|Plot|Progress)/)?.[1] ?? '?', state: node.dataset.state ?? '', width: r.width, height: r.height, visible: r.width > 0 && r.height > 0 };
      });
      return { panel: { width: box.width, height: box.height }, outputs };
    });

  /** Fraction of a stage canvas (n-th volume output) that is not background, from a real screenshot. */
  async function canvasCoverage(index: number): Promise<number> {
    const stage = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NeuroStormVolume-stage').nth(index);
    await stage.scrollIntoViewIfNeeded();
    return nonBackgroundFraction(decodePng(await stage.screenshot()));
  }

  it('opens a notebook whose stored outputs render with our prebuilt extension', async () => {
    await open('stored.ipynb');
    await page.waitForFunction(() => document.querySelectorAll('.jp-NeuroStormVolume[data-state="ready"], .jp-NeuroStormPlot[data-state="ready"], .jp-NeuroStormProgress[data-state="ready"]').length === 5, null, { timeout: 60_000 });
    const seen = await layout();
    expect(seen.panel.width).toBeGreaterThan(700);
    expect(seen.panel.height).toBeGreaterThan(600);
    expect(seen.outputs.map(o => `${o.kind}:${o.state}`)).toEqual(['Volume:ready', 'Volume:ready', 'Plot:ready', 'Plot:ready', 'Progress:ready']);
    // Outputs span the cell (not shrink-wrapped) and have height.
    for (const o of seen.outputs) expect(o.width).toBeGreaterThan(seen.panel.width * 0.6);
    expect(seen.outputs[0].height).toBeGreaterThan(400);
    expect(await canvasCoverage(0)).toBeGreaterThan(0.05);
    // The by-path volume came through the Jupyter files endpoint (the preview alone says so in its status).
    expect(await page.locator('.jp-NeuroStormVolume').nth(1).locator('.jp-NeuroStormVolume-status').textContent()).toBe('');
    expect(await canvasCoverage(1)).toBeGreaterThan(0.05);
    const axes = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-NeuroStormPlot')).map(p => `${p.querySelector('.xtitle')?.textContent} / ${p.querySelector('.ytitle')?.textContent}`));
    expect(axes).toEqual(['False positive rate / True positive rate', 'true age (years) / predicted age (years)']);
    expect(await page.locator('.jp-NeuroStormProgress-info').textContent()).toBe('step 60/100 · epoch 2/2 · elapsed 0:30 · ETA 0:20');
    await page.locator('.jp-NeuroStormVolume').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('lab-stored-outputs.png') });
    await page.locator('.jp-NeuroStormProgress').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('lab-stored-plots.png') });
  });

  it('runs cells on the NeuroSTORM kernel and renders the live outputs', async () => {
    await open('live.ipynb');
    await page.waitForFunction(
      () => {
        const app = (window as unknown as { jupyterapp: { shell: { currentWidget: { sessionContext?: { session?: { kernel?: { status: string; connectionStatus: string } } } } | null } } }).jupyterapp;
        const kernel = app.shell.currentWidget?.sessionContext?.session?.kernel;
        return kernel?.status === 'idle' && kernel.connectionStatus === 'connected';
      },
      null,
      { timeout: 90_000 }
    ).catch(async err => {
      const state = await page.evaluate(() => {
        const app = (window as unknown as { jupyterapp: { shell: { currentWidget: { title: { label: string }; sessionContext?: { session?: { kernel?: { status: string; connectionStatus: string } } } } | null } } }).jupyterapp;
        const w = app.shell.currentWidget;
        return `${w?.title.label}: ${w?.sessionContext?.session?.kernel?.status} / ${w?.sessionContext?.session?.kernel?.connectionStatus}`;
      });
      await page.screenshot({ path: artifactPath('lab-live-kernel-failed.png') });
      throw new Error(`${String(err)}\nkernel: ${state}\nserver log:\n${server.log()}`);
    });
    // Not awaited inside the page: run-all resolves only when every cell finished.
    await page.evaluate(() => {
      void (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('notebook:run-all-cells');
    });
    await page.waitForFunction(() => document.querySelector('.jp-NeuroStormProgress[data-progress-state="done"]') !== null, null, { timeout: 120_000 }).catch(async err => {
      await page.screenshot({ path: artifactPath('lab-live-outputs-failed.png') });
      throw new Error(`${String(err)}\nserver log:\n${server.log()}`);
    });
    await page.waitForFunction(() => document.querySelectorAll('.jp-NeuroStormVolume[data-state="ready"]').length === 2, null, { timeout: 60_000 });
    const seen = await layout();
    expect(seen.outputs.map(o => `${o.kind}:${o.state}`)).toEqual(['Volume:ready', 'Volume:ready', 'Plot:ready', 'Progress:ready']);
    const errors = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-NeuroStorm-error')).map(e => e.textContent));
    expect(errors).toEqual([]);
    expect(await page.locator('.jp-NeuroStormVolume-frameLabel').first().textContent()).toBe('frame 1 / 20 · t = 0.0 s');
    expect(await canvasCoverage(0)).toBeGreaterThan(0.02);
    expect(await canvasCoverage(1)).toBeGreaterThan(0.05);
    // The training curve was one display, updated in place to 8 points.
    const points = await page.evaluate(() => (document.querySelector('.jp-NeuroStormPlot .js-plotly-plot') as HTMLElement & { data: { x: number[] }[] }).data[0].x.length);
    expect(points).toBe(8);
    expect(await page.locator('.jp-NeuroStormProgress-info').textContent()).toMatch(/^step 5\/5 · elapsed \d+:\d\d · done$/);
    await page.locator('.jp-NeuroStormVolume').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('lab-live-kernel.png') });
  });

  (settingsPluginBuilt ? it : it.skip)('applies the user settings of neurostorm-lab:renderers (plot theme)', async () => {
    const settingsUrl = `${server.url}/lab/api/settings/neurostorm-lab:renderers?token=${server.token}`;
    const put = (raw: string): Promise<Response> => fetch(settingsUrl, { method: 'PUT', body: JSON.stringify({ raw }) });
    expect((await put('{ "plotTheme": "dark" }')).status).toBe(204);
    try {
      await open('settings.ipynb');
      await page.waitForSelector('.jp-NeuroStormPlot[data-state="ready"]', { state: 'attached', timeout: 60_000 });
      await page.waitForFunction(() => (document.querySelector('.js-plotly-plot') as HTMLElement & { layout: { paper_bgcolor: string } }).layout.paper_bgcolor === '#111111', null, { timeout: 10_000 });
    } finally {
      await put('{}');
    }
  });
});
