/**
 * How the `%neurostorm` magics present each kind of verb result in a notebook: text, tables and
 * views sent into the cell, and the value the magic gives to the notebook (bound with `--as NAME`,
 * and the cell's value when the magic ends the cell).
 */
import { formatCheckReport } from '../../data';
import { formatDoctorReport } from '../../cli/doctor';
import { describeModel, Verb, VerbResult } from '../../verbs';
import { display } from '../display/display';
import { view } from '../display/volume-view';
import { magicHelp } from './help';
import { tableBundle } from './table-bundle';

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
    case 'install':
    case 'notebook-run':
      // CLI verbs (the table offers them to the CLI only); shown as data if a custom table offers them.
      print(JSON.stringify(result, null, 2));
      return { value: result, label: result.kind };
  }
}
