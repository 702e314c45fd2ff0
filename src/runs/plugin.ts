/**
 * The runs panel plugin: a right-sidebar panel following the notebook tracker's active notebook,
 * refreshed when the notebook's content changes and when another notebook becomes active. A
 * content change includes each update_display_data of a training run's progress display (the
 * output model emits it, the cell and notebook models pass it on), which is how the panel follows
 * a run live; refreshes are merged (at most one per REFRESH_MS), as outputs can arrive many times a
 * second. Curves and compare views open in the main area and are refreshed with the panel.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { RunsCompareView } from './compare';
import { RunCurvesView } from './curves';
import { RunsPanel } from './panel';
import { RunRow, runsOfCells } from './records';

/** Merge window of refreshes; the kernel sends progress at most every 200 ms. */
const REFRESH_MS = 150;

export const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'neurostorm-lab:runs',
  description: 'Lists the NeuroSTORM runs of the active notebook with their metrics beside the baseline, live while they train; opens their curves and compares two.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    let rows: RunRow[] = [];
    const curves = new Map<string, RunCurvesView>();
    const compares = new Set<RunsCompareView>();
    const rowOf = (run: string) => rows.find(r => r.run === run);
    const refreshViews = () => {
      for (const view of curves.values()) {
        const row = rowOf(view.run);
        if (row) view.showRun(row);
      }
      for (const view of compares) {
        const [a, b] = view.runs.map(rowOf);
        if (a && b) view.showRuns(a, b);
      }
    };
    const panel = new RunsPanel({
      openCurves: run => {
        const row = rowOf(run);
        if (!row) return;
        let view = curves.get(run);
        if (!view || view.isDisposed) {
          view = new RunCurvesView(run);
          curves.set(run, view);
          view.disposed.connect(() => curves.delete(run));
          app.shell.add(view, 'main');
        }
        app.shell.activateById(view.id);
        view.showRun(row);
      },
      compare: (a, b) => {
        const ra = rowOf(a);
        const rb = rowOf(b);
        if (!ra || !rb) return;
        const view = new RunsCompareView([a, b]);
        compares.add(view);
        view.disposed.connect(() => compares.delete(view));
        app.shell.add(view, 'main');
        app.shell.activateById(view.id);
        view.showRuns(ra, rb);
      }
    });
    app.shell.add(panel, 'right', { rank: 900 });
    let watched: NotebookPanel | null = null;
    const refresh = () => {
      const current = tracker.currentWidget;
      const model = current?.model;
      if (!current || !model) {
        rows = [];
        return panel.showRuns([], null);
      }
      // Outputs only (not every cell's source): this runs at each progress update while training.
      const cells: { outputs: Parameters<typeof runsOfCells>[0][number]['outputs'] }[] = [];
      for (let i = 0; i < model.cells.length; i++) {
        const cell = model.cells.get(i);
        if (cell.type === 'code') cells.push({ outputs: (cell as ICodeCellModel).outputs.toJSON() as { metadata?: Record<string, unknown>; data?: Record<string, unknown> }[] });
      }
      rows = runsOfCells(cells);
      panel.showRuns(rows, current.context.path);
      refreshViews();
    };
    let pending = false;
    const schedule = () => {
      if (pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        refresh();
      }, REFRESH_MS);
    };
    const follow = (next: NotebookPanel | null) => {
      watched?.model?.contentChanged.disconnect(schedule);
      watched = next;
      next?.model?.contentChanged.connect(schedule);
      void next?.context.ready.then(schedule);
      schedule();
    };
    tracker.currentChanged.connect((_, next) => follow(next));
    follow(tracker.currentWidget);
  }
};
