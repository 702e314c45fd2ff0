/**
 * The runs panel: for the active notebook, every run its cells made (records.ts) with task, mode,
 * status (live while training: step, epoch, loss and validation metric from the run's progress
 * display), the headline metric beside the baseline's with 95% intervals, checkpoints and the data
 * hash of its manifest. Each run opens its curves; two ticked runs open side by side. Text only
 * through textContent.
 */
import { Widget } from '@lumino/widgets';
import { formatLive, formatMetric, RunRow } from './records';

export interface RunsPanelActions {
  openCurves: (run: string) => void;
  compare: (a: string, b: string) => void;
}

export class RunsPanel extends Widget {
  /** Runs ticked for comparison, kept across refreshes (oldest first; at most two). */
  private selected: string[] = [];
  private rows: readonly RunRow[] = [];
  private path: string | null = null;

  constructor(private readonly actions: RunsPanelActions) {
    super();
    this.id = 'neurostorm-runs';
    this.addClass('jp-NeuroStormRuns');
    this.title.label = 'Runs';
    this.title.caption = 'NeuroSTORM runs of the active notebook';
    this.showRuns([], null);
  }

  private button(label: string, className: string, onClick: () => void): HTMLButtonElement {
    const b = document.createElement('button');
    b.className = `jp-NeuroStormRuns-button ${className}`;
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  private toggle(run: string, on: boolean): void {
    this.selected = this.selected.filter(r => r !== run);
    // A third tick replaces the oldest: the view compares exactly two.
    if (on) this.selected = [...this.selected, run].slice(-2);
    this.showRuns(this.rows, this.path);
  }

  /** Shows `rows` of the notebook at `path` (null: no notebook is active). */
  showRuns(rows: readonly RunRow[], path: string | null): void {
    this.rows = rows;
    this.path = path;
    this.selected = this.selected.filter(s => rows.some(r => r.run === s));
    const node = this.node;
    const heading = document.createElement('div');
    heading.className = 'jp-NeuroStormRuns-heading';
    heading.textContent = path === null ? 'No notebook is active' : `${rows.length} run${rows.length === 1 ? '' : 's'} in ${path}`;
    node.dataset.runs = String(rows.length);
    node.dataset.running = String(rows.filter(r => r.status === 'running').length);
    if (rows.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'jp-NeuroStormRuns-empty';
      empty.textContent = path === null ? '' : 'Runs appear here when a cell runs %neurostorm finetune, pretrain or evaluate.';
      node.replaceChildren(heading, empty);
      return;
    }
    const compare = this.button('Compare', 'jp-NeuroStormRuns-compare', () => {
      if (this.selected.length === 2) this.actions.compare(this.selected[0], this.selected[1]);
    });
    compare.disabled = this.selected.length !== 2;
    compare.title = 'Tick two runs to compare them side by side';
    const table = document.createElement('table');
    table.className = 'jp-NeuroStormRuns-table';
    const head = table.createTHead().insertRow();
    for (const h of ['', 'run', 'task', 'mode', 'status', 'progress', 'metric', 'model [95% CI]', 'baseline [95% CI]', 'checkpoints', '']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.dataset.run = r.run;
      tr.dataset.status = r.status;
      if (r.live) tr.dataset.step = String(r.live.step);
      tr.title = `${r.run}${r.dataHash ? `\ndata sha256 ${r.dataHash}` : ''}`;
      const tick = document.createElement('input');
      tick.type = 'checkbox';
      tick.className = 'jp-NeuroStormRuns-select';
      tick.checked = this.selected.includes(r.run);
      tick.title = 'compare';
      tick.addEventListener('change', () => this.toggle(r.run, tick.checked));
      tr.insertCell().append(tick);
      const cells = [
        r.name,
        r.task,
        r.mode,
        r.status,
        formatLive(r.live),
        r.metric?.name ?? '–',
        formatMetric(r.metric?.model ?? null),
        r.metric?.baseline ? `${formatMetric(r.metric.baseline)} ${r.metric.baselineName ?? ''}`.trim() : '–',
        r.checkpoints.join(', ') || '–'
      ];
      for (const [i, text] of cells.entries()) {
        const td = tr.insertCell();
        td.textContent = text;
        td.className = `jp-NeuroStormRuns-${['run', 'task', 'mode', 'status', 'progress', 'metric', 'model', 'baseline', 'checkpoints'][i]}`;
        if (i === 3) td.dataset.status = r.status;
      }
      tr.insertCell().append(this.button('Curves', 'jp-NeuroStormRuns-curves', () => this.actions.openCurves(r.run)));
    }
    const bar = document.createElement('div');
    bar.className = 'jp-NeuroStormRuns-bar';
    bar.append(compare);
    node.replaceChildren(heading, table, bar);
  }
}
