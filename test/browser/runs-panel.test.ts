/**
 * The runs panel in the real JupyterLab app: a notebook whose cells fine-tuned the demo model and
 * evaluated the run (executed headless by `neurostorm run`, tiny cohort) is opened in the
 * npm-assembled JupyterLab served by `neurostorm lab`; the panel lists the run with task, mode,
 * status, AUROC beside the FC baseline and checkpoints. Screenshots go to test-artifacts/.
 * Needs `npm run build` (lib/ and labextension/ with the runs plugin).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildLabApp } from './lab-app/bundle';
import { REPO_ROOT } from './support/bundle';
import { artifactPath, describeWithChromium, launchChromium } from './support/chromium';
import { CLI, startLabCommand } from './support/lab-command';

jest.setTimeout(1_200_000);

const cellsOf = (sources: string[]) =>
  sources.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null }));

describeWithChromium('runs panel', () => {
  it('lists the run a notebook cell made, with its metrics beside the baseline', async () => {
    if (!fs.existsSync(CLI) || !fs.existsSync(path.join(REPO_ROOT, 'labextension', 'package.json'))) throw new Error('run `npm run build` first');
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
      await page.screenshot({ path: artifactPath('runs-panel.png') });
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(0, 5)).toEqual(['sex-tpt', 'sex', 'tpt', 'done', 'auroc']);
      expect(cells[5]).toMatch(/^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\]$/);
      expect(cells[6]).toMatch(/^\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\] fc-logistic$/);
      expect(cells[7]).toBe('best, last');
      const evaluation = JSON.parse(fs.readFileSync(path.join(folder, 'runs', 'sex-tpt', 'evaluation.json'), 'utf8'));
      expect(Number(cells[5].split(' ')[0])).toBeCloseTo(evaluation.metrics.auroc.value, 3);
      expect(await page.locator('#neurostorm-runs').getAttribute('data-runs')).toBe('1');
    } finally {
      await close();
      lab.child.kill('SIGINT');
      await lab.exited;
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
