/**
 * THE payload rules, one set for both halves: the kernel checks what `ns.plot` / `ns.view` build
 * before sending it, the JupyterLab extension checks what it receives before drawing. Pure module
 * (no Node, no DOM), so the extension bundles it. Schemas of the three display payloads
 * (payload-types.ts is the contract) plus the cross-field rules the types cannot say: a confusion matrix is N x N for N labels, curves have
 * matching lengths, the first volume layer is the base image, the shown frame exists.
 */
import {
  PAYLOAD_VERSION,
  PLOT_MIME,
  PROGRESS_MIME,
  VOLUME_MIME,
  type NeuroStormMime,
  type PlotPayload,
  type PlotSpec,
  type ProgressPayload,
  type RocCurve,
  type Series,
  type VolumeLayer,
  type VolumePayload,
  type VolumeSource
} from './payload-types';
import { arr, bool, check, literal, nullable, num, obj, record, refine, str, tagged, type Schema } from './payload-schema';

/** Longest title or label kept; longer text is a builder bug, not something to lay out. */
const MAX_TEXT = 500;
/** Most points in one trace: beyond this plotly stalls the tab. */
const MAX_POINTS = 1_000_000;

const text = str({ maxLength: MAX_TEXT });
const name = str({ nonEmpty: true, maxLength: MAX_TEXT });
const finite = num();
const unit = num({ min: 0, max: 1 });
const count = num({ min: 0, integer: true });
const version: Schema<typeof PAYLOAD_VERSION> = literal(PAYLOAD_VERSION);
const points = arr(finite, { maxLength: MAX_POINTS });
/** A y value; null marks a gap (JSON cannot carry NaN, so a diverged loss arrives as null). */
const gapPoints = arr<number | null>(nullable(finite), { maxLength: MAX_POINTS });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const embeddedSource = refine(
  obj<{ kind: 'embedded'; format: 'nifti-gz-base64'; data: string; bytes: number }>({
    kind: literal('embedded'),
    format: literal('nifti-gz-base64'),
    data: str({ nonEmpty: true }),
    bytes: num({ min: 1, integer: true })
  }),
  (s, path, issues) => {
    if (!BASE64.test(s.data)) issues.add(`${path}.data`, 'expected base64 text (A-Z, a-z, 0-9, +, /, =)');
    else if (s.data.length !== 4 * Math.ceil(s.bytes / 3)) {
      issues.add(`${path}.data`, `base64 length ${s.data.length} does not encode ${s.bytes} bytes`);
    }
  }
);

const pathSource = refine(
  obj<{ kind: 'path'; path: string; bytes: number }>({
    kind: literal('path'),
    path: name,
    bytes: num({ min: 1, integer: true })
  }),
  (s, path, issues) => {
    // Only paths under the Jupyter server's root are fetched; a URL or absolute path is refused.
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s.path) || s.path.startsWith('/') || s.path.startsWith('\\')) {
      issues.add(`${path}.path`, `expected a path relative to the notebook, found ${JSON.stringify(s.path.slice(0, 80))}`);
    }
  }
);

const volumeSource = tagged<VolumeSource>('kind', { embedded: embeddedSource, path: pathSource });

const volumeLayer = refine(
  obj<VolumeLayer>(
    {
      name,
      role: literal('base', 'mask', 'atlas', 'overlay'),
      source: volumeSource,
      preview: embeddedSource,
      colormap: str({ nonEmpty: true, maxLength: 64 }),
      opacity: unit,
      window: nullable(obj<{ min: number; max: number }>({ min: finite, max: finite })),
      labels: record(str({ maxLength: MAX_TEXT }))
    },
    ['preview', 'labels']
  ),
  (layer, path, issues) => {
    if (layer.window && !(layer.window.min < layer.window.max)) {
      issues.add(`${path}.window`, `expected min < max, found min ${layer.window.min}, max ${layer.window.max}`);
    }
    for (const key of Object.keys(layer.labels ?? {})) {
      if (!/^-?\d+$/.test(key)) issues.add(`${path}.labels`, `expected integer label values as keys, found ${JSON.stringify(key)}`);
    }
  }
);

const affineRow = arr(finite, { minLength: 4, maxLength: 4 });

/** Volume payload schema (see VolumePayload). */
export const volumePayload: Schema<VolumePayload> = refine(
  obj<VolumePayload>({
    version,
    title: text,
    layers: arr(volumeLayer, { minLength: 1, maxLength: 16 }),
    shape: arr(num({ min: 1, integer: true }), { minLength: 3, maxLength: 4 }),
    affine: arr(affineRow, { minLength: 4, maxLength: 4 }),
    tr: nullable(num({ min: 0 })),
    frame: count,
    view: literal('multiplanar', 'axial', 'coronal', 'sagittal', 'render')
  }),
  (p, _path, issues) => {
    p.layers.forEach((layer, i) => {
      if ((i === 0) !== (layer.role === 'base')) {
        issues.add(`layers[${i}].role`, i === 0 ? `the first layer must be the base image, found ${JSON.stringify(layer.role)}` : 'only the first layer may be the base image');
      }
    });
    const frames = p.shape.length === 4 ? p.shape[3] : 1;
    if (p.frame >= frames) issues.add('frame', `expected a frame in [0, ${frames - 1}], found ${p.frame}`);
    const last = p.affine[3];
    if (last.join(',') !== '0,0,0,1') issues.add('affine[3]', `expected the row [0, 0, 0, 1], found [${last.join(', ')}]`);
  }
);

const rocCurve = refine(
  obj<RocCurve>({ label: text, fpr: arr(unit, { maxLength: MAX_POINTS }), tpr: arr(unit, { maxLength: MAX_POINTS }), auc: unit }),
  (c, path, issues) => {
    if (c.fpr.length !== c.tpr.length) issues.add(path, `fpr has ${c.fpr.length} points but tpr has ${c.tpr.length}`);
  }
);

const series = refine(obj<Series>({ name: text, x: points, y: gapPoints }), (s, path, issues) => {
  if (s.x.length !== s.y.length) issues.add(path, `x has ${s.x.length} points but y has ${s.y.length}`);
});

type Spec<K extends PlotSpec['kind']> = Extract<PlotSpec, { kind: K }>;

/** Plot spec schema (the `plot` of a PlotPayload). */
export const plotSpec: Schema<PlotSpec> = tagged<PlotSpec>('kind', {
  roc: obj<Spec<'roc'>>({ kind: literal('roc'), curves: arr(rocCurve, { minLength: 1, maxLength: 50 }) }),
  confusion: refine(
    obj<Spec<'confusion'>>({
      kind: literal('confusion'),
      labels: arr(text, { minLength: 1, maxLength: 200 }),
      matrix: arr(arr(num({ min: 0 }), { maxLength: 200 }), { maxLength: 200 }),
      normalized: bool
    }),
    (c, path, issues) => {
      const n = c.labels.length;
      if (c.matrix.length !== n || c.matrix.some(row => row.length !== n)) {
        issues.add(`${path ? path + '.' : ''}matrix`, `expected ${n} x ${n} counts for ${n} labels`);
      }
    }
  ),
  scatter: refine(
    obj<Spec<'scatter'>>(
      {
        kind: literal('scatter'),
        x: points,
        y: points,
        r: num({ min: -1, max: 1 }),
        xLabel: text,
        yLabel: text,
        pointLabels: arr(text, { maxLength: MAX_POINTS })
      },
      ['pointLabels']
    ),
    (s, path, issues) => {
      const at = path ? `${path}.` : '';
      if (s.x.length !== s.y.length) issues.add(`${at}y`, `x has ${s.x.length} points but y has ${s.y.length}`);
      if (s.pointLabels && s.pointLabels.length !== s.x.length) {
        issues.add(`${at}pointLabels`, `expected ${s.x.length} labels, found ${s.pointLabels.length}`);
      }
    }
  ),
  training: obj<Spec<'training'>>({ kind: literal('training'), series: arr(series, { maxLength: 50 }), xLabel: text, yLabel: text }),
  rank: obj<Spec<'rank'>>({
    kind: literal('rank'),
    curves: arr(
      refine(
        obj<{ label: string; rank: number[]; accuracy: number[] }>({
          label: text,
          rank: arr(num({ min: 1 }), { maxLength: MAX_POINTS }),
          accuracy: arr(unit, { maxLength: MAX_POINTS })
        }),
        (c, path, issues) => {
          if (c.rank.length !== c.accuracy.length) issues.add(path, `rank has ${c.rank.length} points but accuracy has ${c.accuracy.length}`);
        }
      ),
      { minLength: 1, maxLength: 50 }
    )
  }),
  distribution: obj<Spec<'distribution'>>({
    kind: literal('distribution'),
    variable: text,
    groups: arr(obj<{ name: string; values: number[] }>({ name: text, values: points }), { minLength: 1, maxLength: 50 })
  })
});

/** Plot payload schema (see PlotPayload). */
export const plotPayload: Schema<PlotPayload> = obj<PlotPayload>({ version, title: text, plot: plotSpec });

/** Progress payload schema (see ProgressPayload). */
export const progressPayload: Schema<ProgressPayload> = refine(
  obj<ProgressPayload>(
    {
      version,
      label: text,
      state: literal('running', 'done', 'error', 'interrupted'),
      step: count,
      totalSteps: nullable(num({ min: 1, integer: true })),
      epoch: nullable(count),
      totalEpochs: nullable(num({ min: 1, integer: true })),
      elapsedSeconds: num({ min: 0 }),
      etaSeconds: nullable(num({ min: 0 })),
      metrics: record(nullable(finite)),
      message: str({ maxLength: 4000 })
    },
    ['message']
  ),
  (p, _path, issues) => {
    if (p.totalSteps !== null && p.step > p.totalSteps) issues.add('step', `step ${p.step} is past totalSteps ${p.totalSteps}`);
    if (Object.keys(p.metrics).length > 64) issues.add('metrics', `expected at most 64 metrics, found ${Object.keys(p.metrics).length}`);
  }
);

/** Payload type for each MIME type. */
export interface PayloadByMime {
  [VOLUME_MIME]: VolumePayload;
  [PLOT_MIME]: PlotPayload;
  [PROGRESS_MIME]: ProgressPayload;
}

const SCHEMAS: { [M in NeuroStormMime]: { schema: Schema<PayloadByMime[M]>; what: string } } = {
  [VOLUME_MIME]: { schema: volumePayload, what: 'volume payload' },
  [PLOT_MIME]: { schema: plotPayload, what: 'plot payload' },
  [PROGRESS_MIME]: { schema: progressPayload, what: 'progress payload' }
};

/**
 * Checks `data` against the schema of `mime`; throws PayloadValidationError listing the problems.
 * A payload of another version is refused with a message that names both versions.
 */
export function validatePayload<M extends NeuroStormMime>(mime: M, data: unknown): PayloadByMime[M] {
  const { schema, what } = SCHEMAS[mime];
  return check(schema as Schema<PayloadByMime[M]>, data, what);
}
