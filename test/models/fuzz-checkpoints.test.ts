/**
 * Fuzz (issue 14): at least 1,000 mutated .ckpt and 1,000 mutated safetensors files give only
 * typed errors (NeuroStormError) or a successful parse, never a crash, a RangeError or an
 * allocation beyond what the file bounds (tensors materialised <= 4 x file + 1 MiB for checkpoints,
 * <= the file for safetensors). Runs in a child process whose peak RSS is asserted. Seeded, so a
 * failure reproduces: the report names the seed file, mutation and index.
 */
import * as path from 'path';
import { runInChild } from '../io/child-process';
import { fixtureDir } from './fixture-data';

const CASES = 3000;

interface FuzzReport {
  counts: Record<string, number>;
  untyped: string[];
  overAllocated: string[];
  largestInput: number;
  seconds: number;
}

/** Loaded before the baseline RSS is taken (transpiling them is not the readers' memory). */
const PRELOAD = `
const fs = require('fs');
const { parseTorchFile } = kernel('models/weights/torch-file');
const { openZip } = kernel('models/weights/zip');
const { parseSafetensors, encodeSafetensors } = kernel('runtime/safetensors');
const { NeuroStormError } = kernel('errors');
const { Random } = kernel('random');
const h = require(${JSON.stringify(path.join(__dirname, 'hostile-files.ts'))});
`;

const BODY = `
const TINY = ${JSON.stringify(fixtureDir('tiny'))};
const rng = new Random(14);
const counts = {};
const untyped = [];
const overAllocated = [];
let largestInput = 0;
const t0 = Date.now();
const count = k => { counts[k] = (counts[k] || 0) + 1; };

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
function mutate(bytes) {
  const out = new Uint8Array(bytes);
  const dv = new DataView(out.buffer);
  const op = rng.int(5);
  if (op === 0) { for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8); return [out, 'flip']; }
  if (op === 1 && out.length >= 4) { dv.setUint32(rng.int(out.length - 3), INTERESTING[rng.int(INTERESTING.length)], true); return [out, 'int32']; }
  if (op === 2) return [out.subarray(0, rng.int(out.length)), 'truncate'];
  if (op === 3) { const a = rng.int(out.length), n = 1 + rng.int(64), b = rng.int(out.length); out.copyWithin(b, a, a + n); return [out, 'splice']; }
  if (out.length >= 8) { dv.setBigUint64(rng.int(out.length - 7) & ~7, BigInt(INTERESTING[rng.int(INTERESTING.length)]) * 0x100000001n, true); return [out, 'int64']; }
  return [out, 'none'];
}

function attempt(kind, name, bytes, parse, bound) {
  largestInput = Math.max(largestInput, bytes.length);
  try {
    const tensors = parse(bytes, name);
    let total = 0;
    for (const t of tensors.values()) total += t.data.byteLength;
    if (total > bound(bytes.length)) overAllocated.push(name + ': ' + total + ' bytes from ' + bytes.length);
    count(kind + ':ok');
  } catch (err) {
    if (err instanceof NeuroStormError) count(kind + ':' + err.code);
    else untyped.push(name + ': ' + (err && err.name) + ': ' + String(err && err.message).slice(0, 200));
  }
}

// Checkpoint seeds: hand-made (stored and deflated), a small memo tree, the official tiny fixture.
const ckptSeeds = [
  ['valid', h.validCheckpoint()],
  ['laughs3', h.laughsCheckpoint(3)],
  ['fixture', new Uint8Array(fs.readFileSync(path.join(TINY, 'model.ckpt')))]
];
{
  const zip = openZip(ckptSeeds[0][1], 'valid');
  const entries = [...zip.entries.keys()].map(n => ({ name: n, data: zip.read(n), deflate: true }));
  ckptSeeds.push(['deflated', h.zipArchive(entries)]);
}
// Pickle-level mutations re-zipped with valid storages: exercise the unpickler, not only the zip checks.
const pickleSeeds = ckptSeeds.filter(([n]) => n !== 'fixture').map(([n, b]) => {
  const zip = openZip(b, n);
  const names = [...zip.entries.keys()];
  return [n, names.map(e => ({ name: e, data: zip.read(e) }))];
});
const ckptBound = n => 4 * n + (1 << 20);
const parseCkpt = (b, name) => parseTorchFile(b, name).tensors;
for (let i = 0; i < ${CASES}; i++) {
  if (i % 2 === 0) {
    // The 1.8 MB fixture every 20th case, the small hand-made seeds in between.
    const [seed, bytes] = i % 20 === 0 ? ckptSeeds[2] : ckptSeeds[[0, 1, 3][(i / 2) % 3]];
    const [m, how] = mutate(bytes);
    attempt('ckpt', seed + '.ckpt#' + i + ':' + how, m, parseCkpt, ckptBound);
  } else {
    const [seed, entries] = pickleSeeds[i % pickleSeeds.length];
    const pkl = entries.find(e => e.name.endsWith('data.pkl'));
    const [m, how] = mutate(pkl.data);
    const bytes = h.zipArchive(entries.map(e => (e === pkl ? { name: e.name, data: m } : e)));
    attempt('ckpt', seed + '.pkl#' + i + ':' + how, bytes, parseCkpt, ckptBound);
  }
}

// safetensors seeds: hand-made (several dtypes, metadata) and two official fixture files.
const stSeeds = [
  ['made', encodeSafetensors({
    a: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    b: { dtype: 'F16', shape: [4], data: Uint16Array.from([1, 2, 3, 4]) },
    c: { dtype: 'I64', shape: [2], data: BigInt64Array.from([7n, -3n]) }
  }, { format: 'pt' })],
  ['head_cls', new Uint8Array(fs.readFileSync(path.join(TINY, 'head_cls.safetensors')))],
  ['prompts', new Uint8Array(fs.readFileSync(path.join(TINY, 'prompts.safetensors')))]
];
const parseSt = (b, name) => parseSafetensors(b, name).tensors;
const stBound = n => n;
for (let i = 0; i < ${CASES}; i++) {
  const [seed, bytes] = stSeeds[i % stSeeds.length];
  if (i % 3 !== 0) {
    const [m, how] = mutate(bytes);
    attempt('safetensors', seed + '#' + i + ':' + how, m, parseSt, stBound);
    continue;
  }
  // Header-level: one field of the JSON header set to a hostile value, data unchanged.
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const names = Object.keys(header).filter(k => k !== '__metadata__');
  const t = header[names[rng.int(names.length)]];
  const hostile = [-1, 0, 2 ** 31, 2 ** 53, 1e300, 'x', null, [], 1.5][rng.int(9)];
  const field = rng.int(4);
  if (field === 0) t.shape[rng.int(Math.max(1, t.shape.length))] = hostile;
  else if (field === 1) t.data_offsets[rng.int(2)] = hostile;
  else if (field === 2) t.dtype = ['F32', 'U64', 'BOOL', 'F8', hostile][rng.int(5)];
  else t.shape = [1 << 16, 1 << 16, 1 << 16];
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  attempt('safetensors', seed + '#' + i + ':header', out, parseSt, stBound);
}
report({ counts, untyped, overAllocated, largestInput, seconds: (Date.now() - t0) / 1000 });
`;

describe('checkpoint and safetensors fuzz (issue 14)', () => {
  it(`${CASES} mutated .ckpt and ${CASES} mutated safetensors files: only typed errors, memory bounded by the file`, () => {
    const r = runInChild<FuzzReport>(BODY, { preload: PRELOAD, timeoutMs: 300000 });
    expect(r.stderr).not.toMatch(/FATAL|heap out of memory/);
    expect(r.status).toBe(0);
    const { counts, untyped, overAllocated, largestInput, seconds } = r.value;
    expect(untyped).toEqual([]);
    expect(overAllocated).toEqual([]);
    const total = (kind: string) => Object.entries(counts).filter(([k]) => k.startsWith(kind)).reduce((a, [, n]) => a + n, 0);
    expect(total('ckpt:')).toBe(CASES);
    expect(total('safetensors:')).toBe(CASES);
    // Both readers refused most mutants and still parsed some (the mutations are not all fatal).
    expect(counts['ckpt:E_WEIGHTS']).toBeGreaterThan(CASES / 4);
    expect(counts['ckpt:ok']).toBeGreaterThan(0);
    expect(counts['safetensors:E_WEIGHTS']).toBeGreaterThan(CASES / 4);
    // Peak RSS: node + typescript (~120 MiB) plus a bounded multiple of the largest input (1.8 MB).
    expect(r.peakRssMb - r.baselineRssMb).toBeLessThan(64 + (16 * largestInput) / 2 ** 20);
    process.stdout.write(`fuzz: ${JSON.stringify(counts)}; ${seconds.toFixed(1)} s; child peak RSS ${r.peakRssMb.toFixed(0)} MiB (baseline ${r.baselineRssMb.toFixed(0)} MiB), largest input ${largestInput} bytes\n`);
  });
});
