/**
 * THE `%neurostorm` verb table: verb -> API call -> flag schema (design.md, "The public API sketch").
 * Adding a verb is one entry here; `%neurostorm help` and completion are generated from this table.
 */
import { doctorReport, formatDoctorReport } from '../cli/doctor';
import { UsageError } from '../errors';
import { synth } from '../data';
import { SYNTH_FLAGS, synthOptionsFromFlags } from '../cli/synth-flags';
import { load } from '../models';
import { display } from './display';
import { longWork } from './progress';
import { LayerOptions, view } from './volume-view';
import { magicHelp } from './magic-help';
import { MagicVerb } from './magic-verb';

export const MAGIC_VERBS: readonly MagicVerb[] = [
  {
    verb: 'help',
    summary: "list the verbs, or show one verb's flags",
    usage: '%neurostorm help [VERB]',
    flags: {},
    takesConfig: false,
    run: async ({ positionals, print, verbs }) => {
      if (positionals.length > 1)
        throw new UsageError('help takes at most one verb', { hint: 'usage: %neurostorm help [VERB]' });
      print(magicHelp(verbs, positionals[0]));
      return undefined;
    }
  },
  {
    verb: 'info',
    summary:
      'versions, execution providers and devices (the `neurostorm doctor` report), tslab and TypeScript',
    usage: '%neurostorm info [--json]',
    flags: { json: { type: 'boolean', description: 'print the report as JSON' } },
    takesConfig: false,
    run: async ({ positionals, options, print }) => {
      if (positionals.length)
        throw new UsageError(`info takes no arguments, got "${positionals.join(' ')}"`, {
          hint: 'usage: %neurostorm info [--json]'
        });
      const report = await doctorReport(process.env);
      // Loaded on demand: tslab brings its own TypeScript, too heavy for plain `import "neurostorm-lab"`.
      const { versions } = await import('tslab/dist/public');
      const kernel = { tslab: versions.tslab, typescript: versions.typescript };
      print(
        options.json
          ? JSON.stringify({ ...report, kernel }, null, 2)
          : `${formatDoctorReport(report)}\n\nkernel: tslab ${kernel.tslab}, TypeScript ${kernel.typescript}`
      );
      return undefined;
    }
  },
  {
    verb: 'synth',
    summary: 'write the synthetic BIDS cohort (the embedded sample dataset) with ns.data.synth',
    usage:
      '%neurostorm synth [--out DIR] [--subjects N] [--sessions N] [--frames N] [--tr SECONDS] [--seed N] [--effect E] [--task] [--overwrite]',
    flags: { ...SYNTH_FLAGS, out: { ...SYNTH_FLAGS.out, default: 'synth-cohort' } },
    takesConfig: true,
    run: async ({ positionals, options, print }) => {
      if (positionals.length)
        throw new UsageError(`synth takes no arguments, got "${positionals.join(' ')}"`, {
          hint: 'usage: %neurostorm synth [--flags]'
        });
      const work = longWork('synth');
      try {
        const result = await synth({
          ...synthOptionsFromFlags(options),
          signal: work.signal,
          onProgress: work.onProgress
        });
        work.progress.finish('done');
        print(
          `synth: ${result.participants.length} participants, ${result.runs.length} runs written to ${result.root}`
        );
      } catch (err) {
        work.progress.finish(
          work.signal.aborted ? 'interrupted' : 'error',
          err instanceof Error ? err.message : String(err)
        );
        throw err;
      }
      return undefined;
    }
  },
  {
    verb: 'load',
    summary:
      'load official NeuroSTORM weights (config.json + safetensors folder, or .ckpt/.pth) with ns.models.load',
    usage: '%neurostorm load PATH [--head-kind cls|reg]',
    flags: {
      'head-kind': {
        type: 'string',
        description: 'head of checkpoint output_head.* keys when the file does not say (cls or reg)'
      }
    },
    takesConfig: false,
    run: async ({ positionals, options, print }) => {
      if (positionals.length !== 1)
        throw new UsageError(positionals.length ? 'load takes one path' : 'no weights given', {
          hint: 'usage: %neurostorm load PATH'
        });
      const headKind = options.headKind;
      if (headKind !== undefined && headKind !== 'cls' && headKind !== 'reg')
        throw new UsageError(`--head-kind must be cls or reg, got "${String(headKind)}"`);
      const model = await load(positionals[0], headKind === undefined ? {} : { headKind });
      const c = model.config;
      let parameters = 0;
      for (const v of model.parameterValues().values()) parameters += v.length;
      print(
        `loaded ${positionals[0]}: ${c.arch}, input ${c.imgSize.join('x')}, embed ${c.embedDim}, depths [${c.depths.join(', ')}], ` +
          `heads [${c.heads.map(h => h.kind).join(', ') || 'none'}], prompts ${c.promptLen}, ${parameters.toLocaleString('en-US')} parameters`
      );
      return undefined;
    }
  },
  {
    verb: 'view',
    summary:
      'show a NIfTI volume (mid-slices, interactive viewer in JupyterLab), optionally with layers over it',
    usage:
      '%neurostorm view PATH [--frame N] [--colormap NAME] [--mask PATH] [--atlas PATH] [--overlay PATH]',
    flags: {
      frame: { type: 'number', description: 'frame of a 4D image shown first', default: 0 },
      colormap: { type: 'string', description: 'colormap of the base image', default: 'gray' },
      title: { type: 'string', description: 'title (default: the file name)' },
      mask: { type: 'list', description: 'mask image(s) drawn over the base' },
      atlas: { type: 'list', description: 'atlas image(s) drawn over the base, one colour per label' },
      overlay: { type: 'list', description: 'statistical map(s) drawn over the base' },
      view: {
        type: 'string',
        description: 'multiplanar, axial, coronal, sagittal or render',
        default: 'multiplanar'
      },
      'max-embedded-bytes': {
        type: 'number',
        description: 'embed volumes up to this size, reference larger ones by path'
      }
    },
    takesConfig: true,
    run: async ({ positionals, options }) => {
      if (positionals.length !== 1)
        throw new UsageError(positionals.length ? 'view takes one volume' : 'no volume given', {
          hint: 'usage: %neurostorm view PATH [--flags]'
        });
      const views = ['multiplanar', 'axial', 'coronal', 'sagittal', 'render'] as const;
      const chosen = views.find(v => v === options.view);
      if (!chosen)
        throw new UsageError(`--view must be one of ${views.join(', ')}, got "${String(options.view)}"`);
      const layers = (role: LayerOptions['role'], paths: unknown): LayerOptions[] =>
        (Array.isArray(paths) ? paths : []).map(p => ({ image: String(p), role }));
      const shown = await view(positionals[0], {
        frame: options.frame as number,
        colormap: String(options.colormap),
        title: options.title === undefined ? undefined : String(options.title),
        view: chosen,
        maxEmbeddedBytes: options.maxEmbeddedBytes as number | undefined,
        overlays: [
          ...layers('mask', options.mask),
          ...layers('atlas', options.atlas),
          ...layers('overlay', options.overlay)
        ]
      });
      display(shown);
      return undefined;
    }
  }
];
