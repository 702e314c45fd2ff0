/**
 * The renderers in headless Chromium, fed payloads built from the real data files: what a person
 * sees (non-blank canvas that changes with the time slider, plot traces and axis titles, readable
 * errors, inert HTML). Screenshots go to test-artifacts/.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { PLOT_MIME, PROGRESS_MIME, VOLUME_MIME, type VolumePayload } from '../../kernel/notebook/display/payload-types';
import { read } from '../../kernel/nifti';
import { aal3Labels, atlasVolume, FILES, functionalVolume, pathVolume, plotPayloads, progressPayload, REAL_DATA, synthVolume } from './fixtures/payloads';
import { buildHarness } from './harness/bundle';
import { artifactPath, chromiumAvailable, describeWithChromium, launchChromium, type LaunchedBrowser } from './support/chromium';
import { serveStatic, type StaticServer } from './support/server';

jest.setTimeout(180_000);

let launched: LaunchedBrowser;
let server: StaticServer;
let page: Page;
const pageErrors: string[] = [];
/** The "notebook folder" the kernel writes by-path volumes into, served beside the test page. */
const notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-renderers-'));

beforeAll(async () => {
  if (!chromiumAvailable()) return;
  const bundle = await buildHarness();
  fs.mkdirSync(path.join(notebookDir, 'neurostorm-views'), { recursive: true });
  server = await serveStatic({ '/': bundle.dir, '/neurostorm-views/': path.join(notebookDir, 'neurostorm-views'), '/cohort/': path.join(notebookDir, 'cohort') });
  launched = await launchChromium();
  page = await launched.browser.newPage({ viewport: { width: 1000, height: 900 } });
  page.on('pageerror', err => pageErrors.push(err.message));
  await page.goto(`${server.url}/index.html`);
  await page.waitForSelector('body[data-harness="ready"]', { state: 'attached' });
});

afterAll(async () => {
  await launched?.close();
  await server?.close();
  fs.rmSync(notebookDir, { recursive: true, force: true });
});

const render = (mime: string, data: unknown): Promise<number> => page.evaluate(([m, d]) => window.nsHarness.render(m, d), [mime, data] as const);
const nodeText = (index: number, selector: string): Promise<string> =>
  page.evaluate(([i, s]) => window.nsHarness.node(i).querySelector(s)?.textContent ?? '', [index, selector] as const);
const shot = async (index: number, name: string): Promise<void> => {
  const handle = await page.evaluateHandle(i => window.nsHarness.node(i), index);
  await handle.asElement()?.screenshot({ path: artifactPath(name) });
};

describeWithChromium('volume renderer (niivue)', () => {
  it('draws a real 4D series and the picture changes when the time slider moves', async () => {
    const i = await render(VOLUME_MIME, await functionalVolume());
    expect(await page.evaluate(n => window.nsHarness.node(n).dataset.state, i)).toBe('ready');
    const stats = await page.evaluate(n => window.nsHarness.volumeStats(n), i);
    expect(stats.width).toBeGreaterThan(400);
    expect(stats.nonBackground / (stats.width * stats.height)).toBeGreaterThan(0.02);
    expect(await nodeText(i, '.jp-NeuroStormVolume-frameLabel')).toBe('frame 1 / 20 · t = 0.0 s');
    const changed = await page.evaluate(n => {
      const slider = window.nsHarness.node(n).querySelector('.jp-NeuroStormVolume-frame') as HTMLInputElement;
      return window.nsHarness.volumeDiff(n, () => {
        slider.value = '12';
        slider.dispatchEvent(new Event('input'));
      });
    }, i);
    expect(changed).toBeGreaterThan(0.001);
    expect(await nodeText(i, '.jp-NeuroStormVolume-frameLabel')).toBe('frame 13 / 20 · t = 24.0 s');
    // The readout reports the shown frame's value at the crosshair voxel, as the kernel's reader has it.
    const match = /voxel \[(\d+), (\d+), (\d+)\] · value (\S+)$/.exec(await nodeText(i, '.jp-NeuroStormVolume-readout'));
    if (!match) throw new Error('no voxel/value in the readout');
    const [vi, vj, vk, shown] = match.slice(1).map(Number);
    const bold = await read(path.join(REAL_DATA, FILES.functional));
    const [nx, ny, nz] = bold.shape;
    const expected = bold.data()[vi + nx * (vj + ny * (vk + nz * 12))];
    expect(Math.abs(shown - expected)).toBeLessThanOrEqual(Math.abs(expected) * 5e-4);
    // ...and frame 0 differs there, so the check tells frames apart.
    expect(Math.abs(bold.data()[vi + nx * (vj + ny * vk)] - expected)).toBeGreaterThan(Math.abs(expected) * 5e-4);
    // Play advances frames on its own; pause stops.
    await page.click('.jp-NeuroStormVolume-play');
    await page.waitForFunction(n => !window.nsHarness.node(n).querySelector('.jp-NeuroStormVolume-frameLabel')?.textContent?.startsWith('frame 13 '), i);
    await page.click('.jp-NeuroStormVolume-play');
    await shot(i, 'volume-4d.png');
  });

  it('shows MNI millimetres, voxel, value and the AAL3 region under the crosshair', async () => {
    const payload = await atlasVolume();
    const i = await render(VOLUME_MIME, payload);
    expect(await page.evaluate(n => window.nsHarness.node(n).dataset.state, i)).toBe('ready');
    // Left precentral gyrus; the expected voxel, value and region come from the kernel's reader.
    const mm: [number, number, number] = [-38, -20, 56];
    await page.evaluate(([n, p]) => window.nsHarness.moveCrosshair(n, p), [i, mm] as const);
    const template = await read(path.join(REAL_DATA, FILES.template));
    const atlas = await read(path.join(REAL_DATA, FILES.aal3));
    const a = template.affine;
    const vox = [(mm[0] - a[0][3]) / a[0][0], (mm[1] - a[1][3]) / a[1][1], (mm[2] - a[2][3]) / a[2][2]];
    const [nx, ny] = template.shape;
    const flat = vox[0] + nx * (vox[1] + ny * vox[2]);
    const label = String(Math.round(atlas.data()[flat]));
    expect(Number(label)).toBeGreaterThan(0);
    const readout = await nodeText(i, '.jp-NeuroStormVolume-readout');
    expect(readout).toBe(`MNI (-38.0, -20.0, 56.0) mm · voxel [${vox.join(', ')}] · value ${template.data()[flat]} · AAL3: ${aal3Labels()[label]}`);
    // niivue's own world coordinates (from the same sform) agree with the payload affine.
    const niivueMM = (await page.evaluate(n => window.nsHarness.node(n).querySelector<HTMLElement>('.jp-NeuroStormVolume-readout')?.dataset.mm ?? '', i)).split(',').map(Number);
    niivueMM.forEach((v, k) => expect(v).toBeCloseTo(mm[k], 1));
    await shot(i, 'volume-atlas.png');
    // Overlay opacity and base colormap change the picture.
    const opacityChange = await page.evaluate(n => {
      const slider = window.nsHarness.node(n).querySelectorAll<HTMLInputElement>('.jp-NeuroStormVolume-opacity')[1];
      return window.nsHarness.volumeDiff(n, () => {
        slider.value = '0';
        slider.dispatchEvent(new Event('input'));
      });
    }, i);
    expect(opacityChange).toBeGreaterThan(0.01);
    // A hidden atlas names no region.
    expect(await nodeText(i, '.jp-NeuroStormVolume-readout')).toBe(readout.split(' · AAL3: ')[0]);
    const colormapChange = await page.evaluate(n => {
      const select = window.nsHarness.node(n).querySelector<HTMLSelectElement>('.jp-NeuroStormVolume-colormap');
      if (!select) return -1;
      return window.nsHarness.volumeDiff(n, () => {
        select.value = 'hot';
        select.dispatchEvent(new Event('change'));
      });
    }, i);
    expect(colormapChange).toBeGreaterThan(0.01);
  });

  it('shows a synthetic-cohort run on the MNI grid by path, and its frames differ', async () => {
    const { payload, file } = await synthVolume(notebookDir);
    expect(payload.shape).toEqual([91, 109, 91, 6]);
    expect(payload.layers[0].source).toMatchObject({ kind: 'path', path: path.relative(notebookDir, file) });
    const i = await render(VOLUME_MIME, payload);
    expect(await page.evaluate(n => window.nsHarness.node(n).dataset.state, i)).toBe('ready');
    expect(await nodeText(i, '.jp-NeuroStormVolume-frameLabel')).toBe('frame 1 / 6 · t = 0.0 s');
    const stats = await page.evaluate(n => window.nsHarness.volumeStats(n), i);
    expect(stats.nonBackground / (stats.width * stats.height)).toBeGreaterThan(0.05);
    const changed = await page.evaluate(n => {
      const slider = window.nsHarness.node(n).querySelector('.jp-NeuroStormVolume-frame') as HTMLInputElement;
      return window.nsHarness.volumeDiff(n, () => {
        slider.value = '5';
        slider.dispatchEvent(new Event('input'));
      });
    }, i);
    expect(changed).toBeGreaterThan(0.001);
    await shot(i, 'volume-synth-cohort.png');
  });

  it('loads a volume referenced by path through the server, after its embedded preview', async () => {
    const payload = await pathVolume(notebookDir);
    const base = payload.layers[0];
    expect(base.source.kind).toBe('path');
    expect(base.preview?.kind).toBe('embedded');
    const i = await render(VOLUME_MIME, payload);
    expect(await page.evaluate(n => window.nsHarness.node(n).dataset.state, i)).toBe('ready');
    const stats = await page.evaluate(n => window.nsHarness.volumeStats(n), i);
    expect(stats.nonBackground / (stats.width * stats.height)).toBeGreaterThan(0.05);
    await shot(i, 'volume-path.png');
  });

  it('shows readable errors for a bad payload, an oversized embedded volume and a missing file', async () => {
    const bad = { ...(await functionalVolume()), frame: 99 };
    const i = await render(VOLUME_MIME, bad);
    expect(await nodeText(i, '.jp-NeuroStorm-error')).toContain('frame: expected a frame in [0, 19], found 99');
    await page.evaluate(() => window.nsHarness.setSettings({ maxEmbeddedBytes: 65536 }));
    const big = await render(VOLUME_MIME, await atlasVolume());
    expect(await nodeText(big, '.jp-NeuroStorm-errorBody')).toMatch(/^embedded volume of \d+ bytes exceeds the maximum embedded payload size of 65536 bytes/);
    await page.evaluate(() => window.nsHarness.setSettings({ maxEmbeddedBytes: 4194304 }));
    const missing: VolumePayload = await pathVolume(notebookDir);
    missing.layers[0].source = { kind: 'path', path: 'neurostorm-views/no-such.nii.gz', bytes: 10 };
    const m = await render(VOLUME_MIME, missing);
    expect(await nodeText(m, '.jp-NeuroStorm-errorBody')).toBe('could not load neurostorm-views/no-such.nii.gz: HTTP 404 Not Found');
    await shot(i, 'volume-error.png');
  });
});

describeWithChromium('plot renderer (plotly)', () => {
  const AXES: Record<string, [string, string]> = {
    roc: ['False positive rate', 'True positive rate'],
    confusion: ['Predicted label', 'True label'],
    scatter: ['true age (years)', 'predicted age (years)'],
    training: ['step', 'loss'],
    rank: ['Rank', 'Identification accuracy'],
    distribution: ['Group', 'AGE_AT_SCAN']
  };

  it('draws every plot kind with its traces and axis titles', async () => {
    for (const [kind, payload] of Object.entries(plotPayloads())) {
      const i = await render(PLOT_MIME, payload);
      const seen = await page.evaluate(n => {
        const node = window.nsHarness.node(n);
        const gd = node.querySelector('.js-plotly-plot') as (HTMLElement & { data: { name?: string; type: string }[] }) | null;
        return {
          state: node.dataset.state,
          traces: gd ? gd.data.map(t => `${t.type}:${t.name ?? ''}`) : [],
          xtitle: node.querySelector('.xtitle')?.textContent ?? '',
          ytitle: node.querySelector('.ytitle')?.textContent ?? '',
          title: node.querySelector('.gtitle')?.textContent ?? ''
        };
      }, i);
      expect(seen.state).toBe('ready');
      expect([seen.xtitle, seen.ytitle]).toEqual(AXES[kind]);
      expect(seen.title).toContain(payload.title);
      if (kind === 'roc') expect(seen.traces).toEqual(['scatter:NeuroSTORM (AUC = 0.810)', 'scatter:FC baseline (AUC = 0.640)', 'scatter:chance']);
      if (kind === 'scatter') expect(seen.traces).toEqual(['scatter:subjects', 'scatter:identity (y = x)']);
      if (kind === 'confusion') expect(seen.traces).toEqual(['heatmap:confusion']);
      if (kind === 'distribution') expect(seen.traces).toEqual(['violin:ASD', 'violin:control']);
      await shot(i, `plot-${kind}.png`);
    }
  });

  it('extends a training curve in place on update_display_data and follows the dark theme', async () => {
    const payload = plotPayloads().training;
    const i = await render(PLOT_MIME, payload);
    await page.evaluate(n => ((window.nsHarness.node(n).querySelector('.js-plotly-plot') as HTMLElement).dataset.marker = 'first'), i);
    const series = payload.plot.kind === 'training' ? payload.plot.series[0] : null;
    if (!series) throw new Error('not a training payload');
    const longer = { ...payload, plot: { ...payload.plot, series: [{ name: series.name, x: [1, 2, 3, 4, 5, 6], y: [1.2, 0.9, 0.75, 0.7, null, 0.6] }, { name: 'valid loss', x: [3, 6], y: [0.8, 0.7] }] } };
    await page.evaluate(([n, d]) => window.nsHarness.update(n, d), [i, longer] as const);
    const after = await page.evaluate(n => {
      const gd = window.nsHarness.node(n).querySelector('.js-plotly-plot') as HTMLElement & { data: { y: unknown[] }[]; layout: { paper_bgcolor: string } };
      return { marker: gd.dataset.marker, lengths: gd.data.map(t => t.y.length), paper: gd.layout.paper_bgcolor };
    }, i);
    expect(after).toEqual({ marker: 'first', lengths: [6, 2], paper: '#ffffff' });
    await page.evaluate(() => window.nsHarness.setTheme('dark'));
    await page.waitForFunction(n => (window.nsHarness.node(n).querySelector('.js-plotly-plot') as HTMLElement & { layout: { paper_bgcolor: string } }).layout.paper_bgcolor === '#111111', i);
    await shot(i, 'plot-training-dark.png');
    await page.evaluate(() => window.nsHarness.setTheme('light'));
  });
});

describeWithChromium('progress renderer', () => {
  it('shows step, epoch, ETA and metrics, and updates in place', async () => {
    const i = await render(PROGRESS_MIME, progressPayload(40));
    expect(await nodeText(i, '.jp-NeuroStormProgress-info')).toBe('step 40/100 · epoch 1/2 · elapsed 0:20 · ETA 0:30');
    expect(await nodeText(i, '.jp-NeuroStormProgress-metrics')).toBe('loss 0.2   lr 1e-4');
    const width = (): Promise<string> => page.evaluate(n => (window.nsHarness.node(n).querySelector('.jp-NeuroStormProgress-fill') as HTMLElement).style.width, i);
    expect(await width()).toBe('40%');
    await shot(i, 'progress-running.png');
    await page.evaluate(([n, d]) => window.nsHarness.update(n, d), [i, progressPayload(100)] as const);
    expect(await nodeText(i, '.jp-NeuroStormProgress-info')).toBe('step 100/100 · epoch 2/2 · elapsed 0:50 · done');
    expect(await width()).toBe('100%');
  });
});

describeWithChromium('payload text is inert', () => {
  const EVIL = '<img src=x onerror="window.nsInjected=(window.nsInjected||[]).concat(\'img\')"><script>window.nsInjected=[\'script\']</script><a href="javascript:window.nsInjected=[\'link\']">click</a>';

  it('renders HTML and script in every label as literal text and runs none of it', async () => {
    const volume = await functionalVolume();
    volume.title = EVIL;
    volume.layers[0].name = EVIL;
    const plots = plotPayloads();
    const scatter = { ...plots.scatter, title: EVIL, plot: { ...plots.scatter.plot, xLabel: EVIL, yLabel: EVIL, pointLabels: Array(7).fill(EVIL) } };
    const confusion = { ...plots.confusion, plot: { kind: 'confusion', labels: [EVIL, 'b', 'c'], matrix: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], normalized: false } };
    const progress = { ...progressPayload(10), label: EVIL, message: EVIL, metrics: { [EVIL]: 1 } };
    const outputs = [
      await render(VOLUME_MIME, volume),
      await render(PLOT_MIME, scatter),
      await render(PLOT_MIME, confusion),
      await render(PROGRESS_MIME, progress),
      await render(VOLUME_MIME, { ...volume, frame: 'x' + EVIL })
    ];
    // Give an injected onerror handler time to fire.
    await page.waitForTimeout(500);
    const found = await page.evaluate(ids => ({
      injected: window.nsInjected ?? null,
      elements: ids.map(n => window.nsHarness.node(n).querySelectorAll('img, script, iframe, object, a[href^="javascript"]').length),
      title: window.nsHarness.node(ids[0]).querySelector('.jp-NeuroStormVolume-title')?.textContent,
      plotTitle: window.nsHarness.node(ids[1]).querySelector('.gtitle')?.textContent,
      xtitle: window.nsHarness.node(ids[1]).querySelector('.xtitle')?.textContent,
      progressLabel: window.nsHarness.node(ids[3]).querySelector('.jp-NeuroStormProgress-label')?.textContent
    }), outputs);
    expect(found.injected).toBeNull();
    expect(found.elements).toEqual([0, 0, 0, 0, 0]);
    expect(found.title).toBe(EVIL);
    expect(found.plotTitle).toBe(`${EVIL} · r = 0.980`);
    expect(found.xtitle).toBe(EVIL);
    expect(found.progressLabel).toBe(EVIL);
    expect(pageErrors).toEqual([]);
    await shot(outputs[1], 'inert-plot.png');
    await shot(outputs[3], 'inert-progress.png');
  });
});
