/**
 * `ns.data.openBids`: finds sub-<label>/[ses-<label>/]func/<name>_bold.nii[.gz] in a raw BIDS dataset or an
 * fMRIPrep derivative, reads sidecar JSON (RepetitionTime, with BIDS inheritance), joins
 * participants.tsv by participant_id, and reports every skipped file and why.
 *
 * Derivatives: only MNI152 spaces are used (MNI152NLin2009cAsym from fMRIPrep, MNI152NLin6Asym as
 * FSL/HCP/UKB); other spaces (T1w, fsnative...) and non-preproc descs are skipped. When one run
 * exists in several spaces/resolutions, the one closest to the official grid is kept.
 *
 * Symlinked sub-* and ses-* folders (datasets assembled from links) are followed; a link that is broken
 * or points at a file is reported in `skipped`. Two participants.tsv rows for one participant
 * ("02" and "sub-02" included) are a DatasetError naming both rows, never a silent last-row-wins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError, NeuroStormError } from '../errors';
import { readHeader } from '../nifti/read';
import { headerShape } from '../nifti/header';
import { repetitionTime } from '../nifti/image';
import { readTsv } from './tsv';

export const MNI_SPACES = ['MNI152NLin6Asym', 'MNI152NLin2009cAsym'] as const;

export interface BidsRun {
  /** Absolute path of the BOLD NIfTI. */
  file: string;
  /** participant_id, e.g. "sub-01". */
  subject: string;
  /** "ses-1", or null without sessions. */
  session: string | null;
  /** Filename entities (sub, ses, task, run, space, res, desc, ...). */
  entities: Record<string, string>;
  space: string | null;
  /** RepetitionTime from the sidecar JSON (seconds), or null. */
  sidecarTr: number | null;
  /** Sidecar files that applied, nearest last. */
  sidecars: string[];
  /** TR from the NIfTI header (seconds, units quirks resolved), or null. */
  headerTr: number | null;
  shape: number[];
  /** A brain mask next to the run (fMRIPrep desc-brain_mask), or null. */
  mask: string | null;
  /** The participants.tsv row, or null when the subject has none. */
  participant: Record<string, string | null> | null;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface BidsDataset {
  root: string;
  runs: BidsRun[];
  /** participants.tsv columns ([] when there is no table). */
  columns: string[];
  participants: Record<string, string | null>[];
  skipped: SkippedFile[];
  /** Dataset-level remarks (missing participants rows, unreadable sidecars...). */
  notes: string[];
}

const NIFTI = /\.nii(\.gz)?$/;

/** Entities and suffix of a BIDS filename: "sub-01_task-rest_bold.nii.gz" -> {sub: "01", task: "rest"}, "bold". */
export function parseBidsName(name: string): {
  entities: Record<string, string>;
  suffix: string;
  extension: string;
} {
  const dot = name.indexOf('.');
  const stem = dot >= 0 ? name.slice(0, dot) : name;
  const parts = stem.split('_');
  const suffix = parts.pop() ?? '';
  const entities: Record<string, string> = {};
  for (const p of parts) {
    const dash = p.indexOf('-');
    if (dash > 0) entities[p.slice(0, dash)] = p.slice(dash + 1);
  }
  return { entities, suffix, extension: dot >= 0 ? name.slice(dot) : '' };
}

/** Sub-folders of `dir` named `prefix*`, following symlinks; links that lead nowhere usable go to `skipped`. */
function listDirs(dir: string, prefix: string, skipped: SkippedFile[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.name.startsWith(prefix)) continue;
    if (e.isDirectory()) out.push(e.name);
    else if (e.isSymbolicLink()) {
      const link = path.join(dir, e.name);
      let target: fs.Stats | null = null;
      try {
        target = fs.statSync(link);
      } catch {
        target = null;
      }
      if (target?.isDirectory()) out.push(e.name);
      else
        skipped.push({
          file: link,
          reason: target ? `symlink to a file (${fs.readlinkSync(link)}), not a folder` : `broken symlink (to ${fs.readlinkSync(link)})`
        });
    }
  }
  return out.sort();
}

/** participant_id -> row, refusing two rows for one participant ("02" and "sub-02" are the same). */
function participantsById(rows: Record<string, string | null>[], file: string): Map<string, Record<string, string | null>> {
  const byId = new Map<string, Record<string, string | null>>();
  const rowOf = new Map<string, number>();
  rows.forEach((r, i) => {
    const raw = r.participant_id ?? '';
    const id = normaliseId(raw);
    const first = rowOf.get(id);
    if (first !== undefined) {
      throw new DatasetError(
        `participants.tsv has two rows for ${id}: row ${first + 1} ("${rows[first].participant_id}") and row ${i + 1} ("${raw}")`,
        { file, hint: 'keep one row per participant (rows counted after the header)' }
      );
    }
    rowOf.set(id, i);
    byId.set(id, r);
  });
  return byId;
}

/** Sidecars that apply to `file` by BIDS inheritance: *_bold.json whose entities are a subset, root first. */
function sidecarsFor(root: string, file: string, entities: Record<string, string>): string[] {
  const found: string[] = [];
  let dir = path.dirname(file);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    if (path.resolve(dir) === path.resolve(root)) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    for (const name of fs.readdirSync(d).sort()) {
      if (!name.endsWith('_bold.json')) continue;
      const parsed = parseBidsName(name);
      if (Object.entries(parsed.entities).every(([k, v]) => entities[k] === v))
        found.push(path.join(d, name));
    }
  }
  // Fewer entities = more general = applied first; the run's own sidecar wins.
  return found.sort(
    (a, b) =>
      Object.keys(parseBidsName(path.basename(a)).entities).length -
      Object.keys(parseBidsName(path.basename(b)).entities).length
  );
}

function rank(run: BidsRun): number {
  const spaceRank = run.space === 'MNI152NLin6Asym' ? 0 : run.space === 'MNI152NLin2009cAsym' ? 1 : 2;
  const res = run.entities.res;
  const resRank = res === undefined || res === '2' ? 0 : 1;
  return spaceRank * 2 + resRank;
}

/** The run identity without space/res/desc: runs equal under it are the same acquisition. */
function acquisitionKey(entities: Record<string, string>): string {
  return Object.entries(entities)
    .filter(([k]) => k !== 'space' && k !== 'res' && k !== 'desc' && k !== 'cohort')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}-${v}`)
    .join('_');
}

function normaliseId(id: string): string {
  return id.startsWith('sub-') ? id : `sub-${id}`;
}

/**
 * Opens a BIDS dataset: `const ds = await ns.data.openBids('/data/ds000030/derivatives/fmriprep')`.
 * `ds.runs` are usable BOLD runs; `ds.skipped` lists every other NIfTI under func/ with the reason.
 */
export async function openBids(root: string): Promise<BidsDataset> {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new DatasetError('dataset folder not found', {
      file: abs,
      hint: 'pass the BIDS root (the folder holding sub-* folders)'
    });
  }
  const skipped: SkippedFile[] = [];
  const notes: string[] = [];
  const candidates: BidsRun[] = [];
  const subjects = listDirs(abs, 'sub-', skipped);
  if (subjects.length === 0) throw new DatasetError('no sub-* folders: not a BIDS dataset', { file: abs });
  for (const sub of subjects) {
    const sessions = listDirs(path.join(abs, sub), 'ses-', skipped);
    const funcDirs = [
      ...(fs.existsSync(path.join(abs, sub, 'func'))
        ? [{ ses: null as string | null, dir: path.join(abs, sub, 'func') }]
        : []),
      ...sessions
        .filter(s => fs.existsSync(path.join(abs, sub, s, 'func')))
        .map(s => ({ ses: s as string | null, dir: path.join(abs, sub, s, 'func') }))
    ];
    for (const { ses, dir } of funcDirs) {
      for (const name of fs.readdirSync(dir).sort()) {
        if (!NIFTI.test(name)) continue;
        const file = path.join(dir, name);
        const skip = (reason: string) => skipped.push({ file, reason });
        const { entities, suffix } = parseBidsName(name);
        if (suffix !== 'bold') {
          if (suffix !== 'mask') skip(`suffix _${suffix} is not a BOLD run (_bold)`);
          continue;
        }
        if (`sub-${entities.sub}` !== sub) {
          skip(`filename subject sub-${entities.sub ?? '?'} does not match its folder ${sub}`);
          continue;
        }
        if (ses !== null && `ses-${entities.ses}` !== ses) {
          skip(`filename session ses-${entities.ses ?? '?'} does not match its folder ${ses}`);
          continue;
        }
        const space = entities.space ?? null;
        if (space !== null && !(MNI_SPACES as readonly string[]).includes(space)) {
          skip(
            `space-${space} is not an MNI152 space (${MNI_SPACES.join(', ')}); NeuroSTORM expects MNI inputs`
          );
          continue;
        }
        if (entities.desc !== undefined && entities.desc !== 'preproc') {
          skip(`desc-${entities.desc} is not the preprocessed BOLD (desc-preproc)`);
          continue;
        }
        let shape: number[];
        let headerTr: number | null;
        try {
          const header = await readHeader(file);
          shape = headerShape(header);
          headerTr = repetitionTime(header).tr;
        } catch (err) {
          if (!(err instanceof NeuroStormError)) throw err;
          skip(`unreadable NIfTI header: ${err.message}`);
          continue;
        }
        if (shape.length !== 4) {
          skip(`not a 4D time series (shape ${shape.join('x')})`);
          continue;
        }
        const sidecars = sidecarsFor(abs, file, entities);
        let sidecarTr: number | null = null;
        for (const s of sidecars) {
          try {
            const json = JSON.parse(fs.readFileSync(s, 'utf8')) as { RepetitionTime?: unknown };
            if (typeof json.RepetitionTime === 'number') sidecarTr = json.RepetitionTime;
          } catch (err) {
            notes.push(`${s}: sidecar JSON unreadable (${(err as Error).message}); ignored`);
          }
        }
        const maskName = name.replace(/desc-preproc_bold\.nii(\.gz)?$/, 'desc-brain_mask.nii$1');
        const mask =
          maskName !== name && fs.existsSync(path.join(dir, maskName)) ? path.join(dir, maskName) : null;
        candidates.push({
          file,
          subject: sub,
          session: ses,
          entities,
          space,
          sidecarTr,
          sidecars,
          headerTr,
          shape,
          mask,
          participant: null
        });
      }
    }
  }
  // One run per acquisition: keep the space/resolution closest to the official grid.
  const byKey = new Map<string, BidsRun[]>();
  for (const run of candidates) {
    const key = acquisitionKey(run.entities);
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const runs: BidsRun[] = [];
  for (const group of byKey.values()) {
    const sorted = [...group].sort((a, b) => rank(a) - rank(b));
    runs.push(sorted[0]);
    for (const other of sorted.slice(1))
      skipped.push({
        file: other.file,
        reason: `same acquisition as ${path.basename(sorted[0].file)}, which is closer to the MNI 2 mm grid`
      });
  }
  runs.sort((a, b) => a.file.localeCompare(b.file));
  // participants.tsv join.
  const table = path.join(abs, 'participants.tsv');
  let columns: string[] = [];
  let participants: Record<string, string | null>[] = [];
  if (fs.existsSync(table)) {
    const t = readTsv(table);
    if (!t.columns.includes('participant_id'))
      throw new DatasetError('participants.tsv has no participant_id column', { file: table });
    columns = t.columns;
    participants = t.rows;
    const byId = participantsById(t.rows, table);
    for (const run of runs) run.participant = byId.get(run.subject) ?? null;
    const missing = [...new Set(runs.filter(r => r.participant === null).map(r => r.subject))];
    if (missing.length)
      notes.push(`no participants.tsv row for ${missing.join(', ')}: their runs have no phenotypes`);
    const withRuns = new Set(runs.map(r => r.subject));
    const unused = [...byId.keys()].filter(id => !withRuns.has(id));
    if (unused.length) notes.push(`participants.tsv rows without usable runs: ${unused.join(', ')}`);
  } else {
    notes.push('no participants.tsv: runs have no phenotypes');
  }
  return { root: abs, runs, columns, participants, skipped, notes };
}
