/**
 * The runs panel in the real JupyterLab app (npm-assembled JupyterLab served by `neurostorm lab`,
 * our kernel). A notebook whose first cells fine-tuned the demo model and evaluated the run
 * (executed headless by `neurostorm run`, tiny cohort) is opened; the panel lists that run with
 * task, mode, status, AUROC beside the FC baseline and checkpoints. Then a cell of the open
 * notebook trains a second run on the kernel: the panel shows it running, its step advancing while
 * it trains, then done with its metrics once its evaluation cell ran. The run's curves open in the
 * main area and the two runs are compared side by side. Screenshots go to test-artifacts/.
 * Needs `npm run build` (lib/ and labextension/ with the runs plugin).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { buildLabApp } from './lab-app/bundle';
import { REPO_ROOT } from './support/bundle';
import { artifactPath, describeWithChromium, launchChromium } from './support/chromium';
import { CLI, startLabCommand } from './support/lab-command';

jest.setTimeout(1_200_000);

const cellsOf = (sources: string[]) =>
  sources.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null }));

/** What the panel's row of run `name` says (null while absent). */
const rowState = (page: Page, name: string) =>
  page.evaluate(n => {
    const tr = Array.from(document.querySelectorAll<HTMLTableRowElement>('#neurostorm-runs tbody tr')).find(r => r.cells[1]?.textContent === n);
    return tr ? { status: tr.dataset.status ?? '', step: tr.dataset.step ?? null, cells: Array.from(tr.cells).map(c => c.textContent ?? '') } : null;
  }, name);

type JupyterWindow = {
  jupyterapp: {
    commands: { execute(id: string): Promise<unknown> };
    shell: { currentWidget: { content?: { activeCellIndex: number }; sessionContext?: { session?: { kernel?: { status: string; connectionStatus: string } } } } | null };
  };
};

/**
 * Room for the panel's columns, as a person would make it: the file browser closed and the divider
 * between the notebook and the right sidebar dragged to the left.
 */
async function widenRightSidebar(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { jupyterapp: { shell: { collapseLeft(): void } } }).jupyterapp.shell.collapseLeft());
  await page.waitForTimeout(300);
  const handle = await page.evaluate(() => {
    const panel = (document.getElementById('neurostorm-runs') as HTMLElement).getBoundingClientRect();
    const near = Array.from(document.querySelectorAll('.lm-SplitPanel-handle'))
      .map(h => h.getBoundingClientRect())
      .filter(r => r.height > 200 && r.left <= panel.left + 2 && panel.left - r.right < 40)
      .sort((a, b) => b.left - a.left)[0];
    return near ? { x: near.left + near.width / 2, y: near.top + near.height / 2 } : null;
  });
  if (!handle) throw new Error('no divider beside the runs panel');
  await page.mouse.move(handle.x, handle.y);
  await page.mouse.down();
  await page.mouse.move(handle.x - 300, handle.y, { steps: 5 });
  await page.mouse.move(640, handle.y, { steps: 5 });
  await page.mouse.up();
  const width = await page.evaluate(() => (document.getElementById('neurostorm-runs') as HTMLElement).getBoundingClientRect().width);
  if (width < 800) throw new Error(`the runs panel is ${width} px wide after dragging its divider`);
}

/** Opens or closes the right sidebar (the main-area views get the window's width when it is closed). */
async function setRightSidebar(page: Page, open: boolean): Promise<void> {
  await page.evaluate(o => {
    const shell = (window as unknown as { jupyterapp: { shell: { collapseRight(): void; expandRight(): void } } }).jupyterapp.shell;
    if (o) shell.expandRight();
    else shell.collapseRight();
  }, open);
  await page.waitForTimeout(500);
}

describeWithChromium('runs panel', () => {
  it('lists the runs a notebook made, follows one live while a cell trains it, opens its curves and compares two', async () => {
    if (!fs.existsSync(CLI) || !fs.existsSync(path.join(REPO_ROOT, 'labextension', 'package.json'))) throw new Error('run `npm run build` first');
    const started = Date.now();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-runs-panel-'));
    const folder = path.join(work, 'project');
    fs.mkdirSync(folder);
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'neurostorm', display_name: 'NeuroSTORM (TypeScript)', language: 'typescript' } },
      cells: cellsOf([
        'import * as ns from "neurostorm-lab";\n%neurostorm synth --out cohort --subjects 12 --sessions 1 --frames 20 --seed 3',
        '%neurostorm finetune --data cohort --task sex --mode tpt --from demo --out runs/sex-tpt --epochs 1 --seed 3',
        '%neurostorm evaluate runs/sex-tpt --bootstrap 100'
      ])
    };
    fs.writeFileSync(path.join(folder, 'runs.ipynb'), JSON.stringify(notebook));
    const ran = spawnSync(process.execPath, [CLI, 'run', path.join(folder, 'runs.ipynb'), '-o', path.join(folder, 'runs.run.ipynb')], { encoding: 'utf8' });
    expect([ran.status, ran.stderr.slice(-2000)]).toEqual([0, expect.any(String)]);
    // The cells the browser runs: a second run (probe, batch 2: several steps on this cohort) and its evaluation.
    const executed = JSON.parse(fs.readFileSync(path.join(folder, 'runs.run.ipynb'), 'utf8'));
    executed.cells.push(
      ...cellsOf([
        '%neurostorm finetune --data cohort --task sex --mode probe --from demo --out runs/sex-probe --epochs 2 --batch 2 --seed 4',
        '%neurostorm evaluate runs/sex-probe --bootstrap 100'
      ]).map((c, i) => ({ ...c, id: `live${i}` }))
    );
    fs.writeFileSync(path.join(folder, 'runs.run.ipynb'), JSON.stringify(executed));
    const headless = (Date.now() - started) / 1000;

    const app = (await buildLabApp()).dir;
    const lab = await startLabCommand(folder, work, app);
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      await page.goto(`${lab.origin}/lab/tree/runs.run.ipynb?token=${lab.token}`);
      await page.locator('.jp-Notebook').first().waitFor({ timeout: 120_000 });
      // Open the panel from the right sidebar.
      await page.locator('.lm-TabBar-tab[data-id="neurostorm-runs"]').click();
      const row = page.locator('#neurostorm-runs tbody tr').first();
      await row.waitFor({ timeout: 60_000 });
      await widenRightSidebar(page);
      await page.screenshot({ path: artifactPath('runs-panel.png') });
      const cells = (await rowState(page, 'sex-tpt'))?.cells ?? [];
      expect(cells.slice(1, 6)).toEqual(['sex-tpt', 'sex', 'tpt', 'done', expect.stringMatching(/^step (\d+)\/\1 · epoch 1 · loss \d\.\d{3} · valid_auroc \d\.\d{3}$/)]);
      expect(cells[6]).toBe('auroc');
      expect(cells[7]).toMatch(/^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\]$/);
      expect(cells[8]).toMatch(/^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\] fc-logistic$/);
      expect(cells[9]).toBe('best, last');
      const evaluation = JSON.parse(fs.readFileSync(path.join(folder, 'runs', 'sex-tpt', 'evaluation.json'), 'utf8'));
      expect(Number(cells[7].split(' ')[0])).toBeCloseTo(evaluation.metrics.auroc.value, 3);
      expect(await page.locator('#neurostorm-runs').getAttribute('data-runs')).toBe('1');

      // Train the second run from the open notebook on the kernel, watching the panel while it trains.
      await page.waitForFunction(
        () => {
          const kernel = (window as unknown as JupyterWindow).jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
          return kernel?.status === 'idle' && kernel.connectionStatus === 'connected';
        },
        null,
        { timeout: 120_000 }
      );
      const trainStart = Date.now();
      await page.evaluate(() => {
        const app = (window as unknown as JupyterWindow).jupyterapp;
        (app.shell.currentWidget?.content as { activeCellIndex: number }).activeCellIndex = 3;
        // Not awaited: it resolves only when both cells finished.
        void app.commands.execute('notebook:run-all-below');
      });
      const live: { status: string; step: string | null; progress: string; at: number }[] = [];
      let shotLive = false;
      for (;;) {
        const s = await rowState(page, 'sex-probe');
        if (s) {
          const last = live[live.length - 1];
          if (!last || last.status !== s.status || last.progress !== s.cells[5]) live.push({ status: s.status, step: s.step, progress: s.cells[5], at: (Date.now() - trainStart) / 1000 });
          if (s.status === 'running' && s.step !== null && Number(s.step) >= 2 && !shotLive) {
            await page.screenshot({ path: artifactPath('runs-panel-live.png') });
            shotLive = true;
          }
          // Done and evaluated: the metric column is filled.
          if (s.status !== 'running' && s.cells[6] !== '–') break;
          if (s.status === 'failed' || s.status === 'interrupted') break;
        }
        if (Date.now() - trainStart > 300_000) throw new Error(`the second run did not finish within 300 s; panel states: ${JSON.stringify(live)}`);
        await page.waitForTimeout(100);
      }
      const running = live.filter(l => l.status === 'running');
      const steps = [...new Set(running.map(l => l.step).filter((s): s is string => s !== null))];
      // At least two different live states while it trained, seen in order, before it was done.
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps.map(Number)).toEqual([...steps.map(Number)].sort((a, b) => a - b));
      expect(running.some(l => /valid_auroc \d\.\d{3}$/.test(l.progress))).toBe(true);
      const final = await rowState(page, 'sex-probe');
      expect(final?.cells.slice(1, 5)).toEqual(['sex-probe', 'sex', 'probe', 'done']);
      expect(final?.cells[7]).toMatch(/^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\]$/);
      expect(final?.cells[8]).toMatch(/fc-logistic$/);
      const probeEval = JSON.parse(fs.readFileSync(path.join(folder, 'runs', 'sex-probe', 'evaluation.json'), 'utf8'));
      expect(Number(final?.cells[7].split(' ')[0])).toBeCloseTo(probeEval.metrics[final?.cells[6] ?? ''].value, 3);
      const totalSteps = Number(/step (\d+)\/(\d+)/.exec(final?.cells[5] ?? '')?.[2]);
      expect(final?.step).toBe(String(totalSteps));
      const trainSeconds = (Date.now() - trainStart) / 1000;
      await page.screenshot({ path: artifactPath('runs-panel-done.png') });

      // The run's curves in the main area: loss per step, per epoch and the validation metric.
      await page.locator('#neurostorm-runs tbody tr', { hasText: 'sex-probe' }).locator('.jp-NeuroStormRuns-curves').click();
      const curves = page.locator('.jp-NeuroStormCurves:not(.lm-mod-hidden) .jp-NeuroStormPlot[data-state="ready"]');
      await curves.waitFor({ timeout: 60_000 });
      await setRightSidebar(page, false);
      const series = await curves.evaluate(n => (n.querySelector('.js-plotly-plot') as HTMLElement & { data: { name: string; x: number[] }[] }).data.map(d => [d.name, d.x.length]));
      const metricsRows = fs.readFileSync(path.join(folder, 'runs', 'sex-probe', 'metrics.jsonl'), 'utf8').trim().split('\n');
      const validKeys = Object.keys(JSON.parse(metricsRows[0])).filter(k => k.startsWith('valid_'));
      expect(validKeys).toContain('valid_auroc');
      expect(series).toEqual([
        ['train_loss (step)', totalSteps],
        ['train_loss (epoch)', metricsRows.length],
        ...validKeys.map(k => [k, metricsRows.length])
      ]);
      await page.screenshot({ path: artifactPath('runs-curves.png') });

      // Compare the two runs: tick both, press Compare.
      await setRightSidebar(page, true);
      for (const name of ['sex-tpt', 'sex-probe']) await page.locator('#neurostorm-runs tbody tr', { hasText: name }).locator('.jp-NeuroStormRuns-select').click();
      await page.locator('.jp-NeuroStormRuns-compare').click();
      const compare = page.locator('.jp-NeuroStormCompare:not(.lm-mod-hidden)');
      await compare.locator('.jp-NeuroStormPlot[data-state="ready"]').waitFor({ timeout: 60_000 });
      await setRightSidebar(page, false);
      const differs = await compare.locator('.jp-NeuroStormCompare-config tr.jp-mod-differs td:first-child').allTextContents();
      for (const key of ['mode', 'seed', 'epochs', 'batch']) expect(differs).toContain(key);
      expect(differs).not.toContain('task');
      const auroc = await compare.locator('.jp-NeuroStormCompare-metrics tbody tr', { hasText: 'auroc' }).first().locator('td').allTextContents();
      expect(auroc[0]).toBe('auroc');
      expect(auroc.slice(1).every(t => /^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\]$/.test(t))).toBe(true);
      expect(auroc[1]).toBe(cells[7]);
      expect(auroc[3]).toBe(final?.cells[7]);
      const overlaid = await compare.locator('.js-plotly-plot').evaluate(n => (n as HTMLElement & { data: { name: string }[] }).data.map(d => d.name.split(':')[0]));
      expect(new Set(overlaid)).toEqual(new Set(['sex-tpt', 'sex-probe']));
      await page.screenshot({ path: artifactPath('runs-compare.png') });
      console.log(`runs panel test: headless setup ${headless.toFixed(0)} s, live run + evaluation ${trainSeconds.toFixed(0)} s, total ${((Date.now() - started) / 1000).toFixed(0)} s; live states ${JSON.stringify(live)}`);
    } finally {
      await close();
      lab.child.kill('SIGINT');
      await lab.exited;
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
