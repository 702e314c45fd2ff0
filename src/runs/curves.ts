/**
 * A main-area view of one run's curves: training loss per step and per epoch and the validation
 * metric per epoch (curve-series.ts), opened from the runs panel and kept current while the run
 * trains (the plugin hands it each refreshed row; the record brings new points at epoch ends).
 */
import type { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import { curvesPayload } from './curve-series';
import { plotWidget } from './plot-widget';
import { formatLive, type RunRow } from './records';

export class RunCurvesView extends Panel {
  private readonly heading = new Widget();
  private readonly plot = plotWidget();
  private readonly empty = new Widget();

  constructor(readonly run: string) {
    super();
    this.id = `neurostorm-curves-${encodeURIComponent(run)}`;
    this.addClass('jp-NeuroStormRunView');
    this.addClass('jp-NeuroStormCurves');
    this.title.closable = true;
    this.heading.addClass('jp-NeuroStormRunView-heading');
    this.empty.addClass('jp-NeuroStormRunView-empty');
    this.addWidget(this.heading);
    this.addWidget(this.plot.widget);
    this.addWidget(this.empty);
  }

  /** Closing the tab disposes the view (the default only detaches it), so the plugin forgets it. */
  protected override onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  showRun(row: RunRow): void {
    this.title.label = `Curves: ${row.name}`;
    this.title.caption = row.run;
    this.heading.node.textContent = `${row.name}: ${row.task}, ${row.mode}, ${row.status}${row.live ? ` (${formatLive(row.live)})` : ''}`;
    this.node.dataset.status = row.status;
    const payload = curvesPayload([row], `${row.name}: training and validation`);
    this.node.dataset.points = String(row.curves.steps.length + row.curves.epochs.length);
    this.empty.node.textContent = payload ? '' : 'No curve points yet: they arrive with the first epoch end.';
    if (payload) this.plot.show(payload);
  }
}
