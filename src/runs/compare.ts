/**
 * Two runs side by side in the main area: their configurations with the differing keys
 * highlighted, their metrics with 95% intervals each beside its own baseline, and their curves
 * overlaid in one plot. Text only through textContent.
 */
import type { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import { configRows, metricCompareRows } from './compare-model';
import { curvesPayload } from './curve-series';
import { plotWidget } from './plot-widget';
import type { RunRow } from './records';

function table(className: string, head: string[], rows: { cells: string[]; differs?: boolean }[]): HTMLTableElement {
  const t = document.createElement('table');
  t.className = `jp-NeuroStormRuns-table ${className}`;
  const h = t.createTHead().insertRow();
  for (const text of head) {
    const th = document.createElement('th');
    th.textContent = text;
    h.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    if (r.differs) tr.classList.add('jp-mod-differs');
    for (const text of r.cells) tr.insertCell().textContent = text;
  }
  return t;
}

function section(title: string, content: HTMLElement): HTMLElement {
  const s = document.createElement('section');
  const h = document.createElement('h3');
  h.textContent = title;
  s.append(h, content);
  return s;
}

export class RunsCompareView extends Panel {
  /** Heading and metrics first, the overlaid curves under them, then the (long) configuration. */
  private readonly summary = new Widget();
  private readonly plot = plotWidget();
  private readonly config = new Widget();

  constructor(readonly runs: [string, string]) {
    super();
    this.id = `neurostorm-compare-${encodeURIComponent(runs.join('|'))}`;
    this.addClass('jp-NeuroStormRunView');
    this.addClass('jp-NeuroStormCompare');
    this.title.closable = true;
    this.addWidget(this.summary);
    this.addWidget(this.plot.widget);
    this.addWidget(this.config);
  }

  /** Closing the tab disposes the view (the default only detaches it), so the plugin forgets it. */
  protected override onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  showRuns(a: RunRow, b: RunRow): void {
    this.title.label = `Compare: ${a.name} / ${b.name}`;
    this.title.caption = `${a.run}\n${b.run}`;
    const config = configRows(a, b);
    this.node.dataset.differs = String(config.filter(r => r.differs).length);
    const baseline = (r: RunRow) => `${r.name} baseline${r.metric?.baselineName ? ` (${r.metric.baselineName})` : ''}`;
    const metrics = metricCompareRows(a, b);
    const heading = document.createElement('div');
    heading.className = 'jp-NeuroStormRunView-heading';
    heading.textContent = `${a.name} (${a.task}, ${a.mode}, ${a.status}) vs ${b.name} (${b.task}, ${b.mode}, ${b.status})`;
    this.summary.node.replaceChildren(
      heading,
      section('Metrics [95% CI]', metrics.length
        ? table('jp-NeuroStormCompare-metrics', ['metric', a.name, baseline(a), b.name, baseline(b)], metrics.map(m => ({ cells: [m.metric, m.a, m.aBaseline, m.b, m.bBaseline] })))
        : Object.assign(document.createElement('p'), { textContent: 'Neither run is evaluated yet: run %neurostorm evaluate on it.' }))
    );
    this.config.node.replaceChildren(
      section(`Configuration (${config.filter(r => r.differs).length} differ)`, table('jp-NeuroStormCompare-config', ['', a.name, b.name], config.map(r => ({ cells: [r.key, r.a, r.b], differs: r.differs }))))
    );
    const payload = curvesPayload([a, b], `${a.name} vs ${b.name}: training and validation`);
    if (payload) this.plot.show(payload);
  }
}
