/**
 * How the `%neurostorm` magics present each kind of verb result in a notebook: text, tables and
 * views sent into the cell, and the value the magic gives to the notebook (bound with `--as NAME`,
 * and the cell's value when the magic ends the cell).
 */
import * as path from 'path';
import { assets, formatCheckReport } from '../../data';
import { formatDoctorReport } from '../../verbs/doctor-report';
import { formatDeviceRecord } from '../../verbs/table/device-flag';
import { describeModel, metricRows, stateLineOf, sweepTable, taskRows, Verb, VerbResult } from '../../verbs';
import { display } from '../display/display';
import { view } from '../display/volume-view';
import { magicHelp } from './help';
import { tableBundle } from './table-bundle';
import { trainingCurve } from './train-views';
import { evaluationPlots } from './eval-views';
import { withRunRecord } from './run-record';
import { sweepPlot } from './sweep-views';

export interface Presented {
  /** What the magic gives to the notebook; undefined when the verb produces nothing (help). */
  value: unknown;
  /** One line naming the value, shown as the cell's value instead of a dump of the object. */
  label: string;
}

/** Prints a line into the running cell's output. */
function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export async function presentInNotebook(result: VerbResult, verbs: readonly Verb[]): Promise<Presented> {
  const presented = await presentResult(result, verbs);
  // Verbs that run model graphs say on which device, as on the CLI: one line under their output.
  const device = 'device' in result ? result.device : undefined;
  if (device) print(formatDeviceRecord(device));
  return presented;
}

async function presentResult(result: VerbResult, verbs: readonly Verb[]): Promise<Presented> {
  switch (result.kind) {
    case 'help':
      print(magicHelp(verbs, result.topic));
      return { value: undefined, label: '' };
    case 'doctor': {
      // Loaded on demand: tslab brings its own TypeScript, too heavy for plain `import "neurostorm-lab"`.
      const { versions } = await import('tslab/dist/public');
      const kernel = { tslab: versions.tslab, typescript: versions.typescript };
      print(`${formatDoctorReport(result.report)}\n\nkernel: tslab ${kernel.tslab}, TypeScript ${kernel.typescript}`);
      return { value: { ...result.report, kernel }, label: `doctor report (neurostorm-lab ${result.report.neurostormLab})` };
    }
    case 'synth': {
      const { kind: _kind, ...value } = result;
      print(`synth: ${result.participants.length} participants, ${result.runs.length} runs written to ${result.root}`);
      return { value, label: `synthetic cohort ${result.root} (${result.participants.length} subjects)` };
    }
    case 'check': {
      const s = result.report.summary;
      const rows = result.report.rows.map(r => [r.run, r.check, r.status.toUpperCase(), r.value, r.reason]);
      const bundle = tableBundle(
        `check ${result.dataset}: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail`,
        ['run', 'check', 'status', 'value', 'reason'],
        rows
      );
      display({ ...bundle, data: { ...bundle.data, 'text/plain': formatCheckReport(result.report) } });
      return { value: result.report, label: `check report: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail` };
    }
    case 'model':
      print(describeModel(result));
      return { value: result.model, label: `NeuroStormModel ${result.source} (${result.parameters.toLocaleString('en-US')} parameters)` };
    case 'volume': {
      const shown = await view(result.image, {
        frame: result.frame,
        colormap: result.colormap,
        title: result.title,
        view: result.view,
        maxEmbeddedBytes: result.maxEmbeddedBytes,
        overlays: result.layers
      });
      display(shown);
      return { value: shown, label: `VolumeView ${result.image}` };
    }
    case 'preprocess': {
      const rows = [
        ...result.runs.map(r => [path.relative(result.dataset, r.run.file), r.header.frames, r.reused ? 'reused' : 'written', '']),
        ...result.failures.map(f => [path.relative(result.dataset, f.file), null, 'FAILED', `[${f.code}] ${f.reason}`])
      ];
      display(tableBundle(`preprocess ${result.dataset} -> ${result.cacheDir}`, ['run', 'frames (0.8 s)', 'cache', 'problem'], rows));
      return { value: result, label: `preprocessed ${result.runs.length} runs into ${result.cacheDir}` };
    }
    case 'pretrain': {
      display(
        withRunRecord(
          tableBundle(`pretrain ${result.run}`, ['held-out masked loss', 'value'], [
            ['before', result.initialValidLoss],
            ['after', result.finalValidLoss]
          ]),
          result.run
        )
      );
      const curve = trainingCurve(result.metrics, `pretrain ${path.basename(result.run)}`);
      if (curve) display(curve);
      return { value: result, label: `pretrain run ${result.run}` };
    }
    case 'finetune': {
      const t = result.trainable;
      const names = [...new Set(result.validation.flatMap(v => Object.keys(v)))];
      display(
        withRunRecord(tableBundle(
          `finetune ${result.run}: ${result.task} (${result.type}); trainable ${t.parameters.toLocaleString('en-US')} of ${t.total.toLocaleString('en-US')} parameters (${(100 * t.fraction).toPrecision(3)}%); subjects ${result.subjects.train}/${result.subjects.validation}/${result.subjects.test} train/validation/test`,
          ['fold', ...names],
          result.validation.map((v, i) => [i, ...names.map(n => v[n] ?? null)])
        ), result.run)
      );
      if (result.dropped.length)
        print(`dropped ${result.dropped.length}: ${result.dropped.map(d => `${d.subject} (${d.reason})`).join('; ')}`);
      const curve = trainingCurve(result.metrics, `finetune ${path.basename(result.run)}`);
      if (curve) display(curve);
      return { value: result, label: `finetune run ${result.run} (${result.task})` };
    }
    case 'evaluation': {
      const e = result.evaluation;
      const base = e.baseline ? `baseline: ${e.baseline.name}` : 'no baseline';
      display(
        withRunRecord(tableBundle(
          `${e.task} (${e.type}, ${e.level} level), ${e.split} split, ${e.units} units; subjects ${e.subjects.train}/${e.subjects.validation}/${e.subjects.test} train/validation/test; ${base}`,
          ['metric', 'model', '95% CI', e.baseline ? e.baseline.name : 'baseline', '95% CI'],
          metricRows(e.metrics, e.baseline?.metrics)
        ), result.run)
      );
      for (const view of evaluationPlots(e)) display(view);
      return { value: e, label: `evaluation of ${result.run} (${e.task})` };
    }
    case 'baseline': {
      const b = result.result;
      display(tableBundle(`${b.name} on ${result.run} (${b.regions} regions)`, ['metric', 'value', '95% CI'], metricRows(b.metrics, null).map(r => r.slice(0, 3))));
      return { value: b, label: `${b.name} on ${result.run}` };
    }
    case 'embedding':
      print(
        `embedded ${result.dataset}: ${result.dim} dimensions, ${result.clips.count} clips (${result.clips.file}), ${result.subjects.count} subjects (${result.subjects.file})`
      );
      return { value: result, label: `embeddings of ${result.dataset} (${result.dim} dimensions)` };
    case 'attribution': {
      const a = result.attribution;
      // Over the MNI template the map is on (design.md: attribution shown with ns.view as an overlay).
      const shown = await view(assets().template, {
        title: `${a.method}: ${a.subject} (${path.basename(result.run)})`,
        overlays: [{ image: a.volume, role: 'overlay', name: `${a.subject} attribution` }]
      });
      display(shown);
      print(`${a.method} over ${a.clips} clips of ${a.subject}, written to ${a.file}`);
      return { value: a, label: `attribution of ${a.subject} (${a.file})` };
    }
    case 'cluster-jobs': {
      // A table per job (every task's state, exit code and log), then a gathered sweep's table.
      for (const job of result.jobs)
        display(tableBundle(`slurm job ${job.jobId} (${job.name}): ${stateLineOf(job)}`, ['task', 'label', 'state', 'exit', 'log'], taskRows(job)));
      if (result.sweep) {
        const { head, cells } = sweepTable(result.sweep);
        display(tableBundle(`sweep: ${result.sweep.length} points`, head, cells));
        const shown = sweepPlot(result.sweep);
        if (shown) display(shown);
      }
      if (!result.jobs.length) print('no Slurm jobs for this notebook');
      return { value: result, label: `${result.jobs.length} Slurm job(s)${result.sweep ? `, sweep of ${result.sweep.length} points` : ''}` };
    }
    case 'install':
    case 'lab':
    case 'notebook-run':
      // CLI verbs (the table offers them to the CLI only); shown as data if a custom table offers them.
      print(JSON.stringify(result, null, 2));
      return { value: result, label: result.kind };
  }
}
