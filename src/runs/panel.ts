/**
 * The runs panel: for the active notebook, every run its cells made (records.ts) with task, mode,
 * status, the headline metric beside the baseline's with 95% intervals, checkpoints and the data
 * hash of its manifest. Text only through textContent.
 */
import { Widget } from '@lumino/widgets';
import { formatMetric, RunRow } from './records';

export class RunsPanel extends Widget {
  constructor() {
    super();
    this.id = 'neurostorm-runs';
    this.addClass('jp-NeuroStormRuns');
    this.title.label = 'Runs';
    this.title.caption = 'NeuroSTORM runs of the active notebook';
    this.showRuns([], null);
  }

  /** Shows `rows` of the notebook at `path` (null: no notebook is active). */
  showRuns(rows: readonly RunRow[], path: string | null): void {
    const node = this.node;
    const heading = document.createElement('div');
    heading.className = 'jp-NeuroStormRuns-heading';
    heading.textContent = path === null ? 'No notebook is active' : `${rows.length} run${rows.length === 1 ? '' : 's'} in ${path}`;
    node.dataset.runs = String(rows.length);
    if (rows.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'jp-NeuroStormRuns-empty';
      empty.textContent = path === null ? '' : 'Runs appear here when a cell runs %neurostorm finetune, pretrain or evaluate.';
      node.replaceChildren(heading, empty);
      return;
    }
    const table = document.createElement('table');
    table.className = 'jp-NeuroStormRuns-table';
    const head = table.createTHead().insertRow();
    for (const h of ['run', 'task', 'mode', 'status', 'metric', 'model [95% CI]', 'baseline [95% CI]', 'checkpoints']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.dataset.run = r.run;
      tr.title = `${r.run}${r.dataHash ? `\ndata sha256 ${r.dataHash}` : ''}`;
      const cells = [
        r.name,
        r.task,
        r.mode,
        r.status,
        r.metric?.name ?? '–',
        formatMetric(r.metric?.model ?? null),
        r.metric?.baseline ? `${formatMetric(r.metric.baseline)} ${r.metric.baselineName ?? ''}`.trim() : '–',
        r.checkpoints.join(', ') || '–'
      ];
      for (const [i, text] of cells.entries()) {
        const td = tr.insertCell();
        td.textContent = text;
        if (i === 3) td.dataset.status = r.status;
      }
    }
    node.replaceChildren(heading, table);
  }
}
