/**
 * The runs panel plugin: a right-sidebar panel following the notebook tracker's active notebook,
 * refreshed when the notebook's content changes (a cell's outputs arrive) and when another
 * notebook becomes active.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { RunsPanel } from './panel';
import { runsOfCells } from './records';

export const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'neurostorm-lab:runs',
  description: 'Lists the NeuroSTORM runs of the active notebook with their metrics beside the baseline.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    const panel = new RunsPanel();
    app.shell.add(panel, 'right', { rank: 900 });
    let watched: NotebookPanel | null = null;
    const refresh = () => {
      const current = tracker.currentWidget;
      const model = current?.model;
      if (!current || !model) return panel.showRuns([], null);
      const cells = (model.toJSON() as { cells?: { outputs?: { metadata?: Record<string, unknown> }[] }[] }).cells ?? [];
      panel.showRuns(runsOfCells(cells), current.context.path);
    };
    const follow = (next: NotebookPanel | null) => {
      watched?.model?.contentChanged.disconnect(refresh);
      watched = next;
      next?.model?.contentChanged.connect(refresh);
      void next?.context.ready.then(refresh);
      refresh();
    };
    tracker.currentChanged.connect((_, next) => follow(next));
    follow(tracker.currentWidget);
  }
};
