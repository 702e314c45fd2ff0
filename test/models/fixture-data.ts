/**
 * Test helpers for the official parity fixtures: shared/fixtures/neurostorm (`tiny`, `official`) and
 * the prompt-tuning configurations in ./fixtures (made by ./fixtures/make_prompt_fixtures.py from the
 * official code, same format). Read the `.bin` outputs described by outputs.json and compare at the
 * suggested tolerance max|ours − ref| ≤ 1e-4·max|ref|.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Vec4 } from '../../kernel/models';

export const FIXTURES = path.join(__dirname, '../../../shared/fixtures/neurostorm');
/** Fixtures kept in this repository: odd/even prompt lengths, padding in time, a depth-4 stage, batch 3. */
export const PROMPT_FIXTURES = ['prompt-odd', 'prompt-even'] as const;
export type FixtureName = 'tiny' | 'official' | (typeof PROMPT_FIXTURES)[number];
export const fixtureDir = (name: FixtureName) =>
  (PROMPT_FIXTURES as readonly string[]).includes(name) ? path.join(__dirname, 'fixtures', name) : path.join(FIXTURES, name);

/** The generator's batch, prompt length and img_size (config.json), for building the fixture input. */
export function fixtureSetup(name: FixtureName): { batch: number; promptLen: number; imgSize: Vec4 } {
  const c = JSON.parse(fs.readFileSync(path.join(fixtureDir(name), 'config.json'), 'utf8'));
  return { batch: c.batch, promptLen: c.prompt_len, imgSize: c.neurostorm_args.img_size };
}

export interface OutputEntry {
  dtype: 'float32' | 'uint8';
  shape: number[];
  file?: string;
  sum: number;
  mean: number;
  abs_max: number;
  std: number;
  first8: number[];
  stride?: number;
}

export function outputsJson(name: FixtureName): Record<string, OutputEntry> {
  return JSON.parse(fs.readFileSync(path.join(fixtureDir(name), 'outputs.json'), 'utf8')).outputs;
}

export function readOutput(name: FixtureName, key: string): { data: Float32Array; shape: number[] } {
  const entry = outputsJson(name)[key];
  if (!entry?.file) throw new Error(`fixture ${name} has no file for ${key}`);
  const buf = fs.readFileSync(path.join(fixtureDir(name), entry.file));
  const data = entry.dtype === 'uint8' ? Float32Array.from(buf) : new Float32Array(new Uint8Array(buf).buffer);
  return { data, shape: entry.shape };
}

/** max|ours − ref| / max|ref| (the fixture README's parity measure). */
export function relMaxError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length) throw new Error(`length ${ours.length} vs reference ${ref.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates as a failure
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / maxRef;
}

export function stats(a: ArrayLike<number>): { sum: number; mean: number; abs_max: number; std: number; first8: number[] } {
  let sum = 0;
  let absMax = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i];
    absMax = Math.max(absMax, Math.abs(a[i]));
  }
  const mean = sum / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { sum, mean, abs_max: absMax, std: Math.sqrt(v / a.length), first8: Array.from(a).slice(0, 8) };
}

/** Compares statistics of a stats-only output (official tensors too big to ship). */
export function statsError(ours: ArrayLike<number>, ref: OutputEntry): number {
  const s = stats(ours);
  const scale = ref.abs_max;
  const n = ours.length;
  const errs = [
    Math.abs(s.mean - ref.mean) / scale,
    Math.abs(s.sum - ref.sum) / (scale * n),
    Math.abs(s.abs_max - ref.abs_max) / scale,
    Math.abs(s.std - ref.std) / scale,
    ...s.first8.map((x, i) => Math.abs(x - ref.first8[i]) / scale)
  ];
  return Math.max(...errs);
}
