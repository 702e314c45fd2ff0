/**
 * Fuzz: mutated and truncated NIfTI files give only typed errors (NeuroStormError), never a crash,
 * a hang, or an allocation beyond what the input can hold. Seeded, so failures reproduce.
 */
import { gzipSync } from 'zlib';
import {
  createImage,
  encodeData,
  encodeHeader,
  parseNifti,
  parseNiftiPair,
  NiftiImage,
  NiftiTypedArray
} from '../../kernel/nifti';
import { NeuroStormError } from '../../kernel/errors';
import { Random } from '../../kernel/random';

const AFFINE = [
  [-2, 0, 0, 90],
  [0, 2, 0, -126],
  [0, 0, 2, -72],
  [0, 0, 0, 1]
];

function seedImage(data: NiftiTypedArray, shape: number[]): NiftiImage {
  return createImage({ data, shape, affine: AFFINE, tr: 0.8, sclSlope: 0.5, sclInter: 10 });
}

function single(image: NiftiImage, version: 1 | 2, le: boolean): Uint8Array {
  const h = encodeHeader(image, { version, littleEndian: le });
  const d = encodeData(image, le);
  const out = new Uint8Array(h.length + d.length);
  out.set(h);
  out.set(d, h.length);
  return out;
}

const SEEDS: { name: string; bytes: Uint8Array }[] = [];
const PAIRS: { hdr: Uint8Array; img: Uint8Array }[] = [];
{
  const rng = new Random(99);
  const i16 = seedImage(
    new Int16Array(4 * 3 * 2 * 3).map(() => rng.int(2000) - 1000),
    [4, 3, 2, 3]
  );
  const f32 = seedImage(
    new Float32Array(3 * 3 * 3).map(() => rng.normal()),
    [3, 3, 3]
  );
  const u8 = seedImage(
    new Uint8Array(5 * 2 * 2).map(() => rng.int(256)),
    [5, 2, 2]
  );
  for (const [name, img] of [
    ['int16', i16],
    ['float32', f32],
    ['uint8', u8]
  ] as const) {
    for (const version of [1, 2] as const) {
      for (const le of [true, false])
        SEEDS.push({ name: `${name}-v${version}-${le ? 'le' : 'be'}`, bytes: single(img, version, le) });
    }
    PAIRS.push({ hdr: encodeHeader(img, { pair: true }), img: encodeData(img) });
  }
}

type Outcome = 'ok' | 'typed-error';

function checkImage(image: NiftiImage, inputBytes: number, compressed: boolean): void {
  const voxels = image.shape.reduce((a, b) => a * b, 1);
  expect(image.raw.length).toBe(voxels);
  const bound = compressed ? inputBytes * 1032 + 1024 : inputBytes;
  expect(image.raw.byteLength).toBeLessThanOrEqual(bound);
  expect(image.affine.length).toBe(4);
  expect(image.data().length).toBe(voxels);
}

async function attempt(
  run: () => Promise<NiftiImage>,
  inputBytes: number,
  compressed: boolean
): Promise<Outcome> {
  try {
    checkImage(await run(), inputBytes, compressed);
    return 'ok';
  } catch (err) {
    if (err instanceof NeuroStormError) return 'typed-error';
    throw err;
  }
}

function mutate(bytes: Uint8Array, rng: Random): Uint8Array {
  const out = bytes.slice();
  const headerEnd = Math.min(out.length, 548);
  const dv = new DataView(out.buffer);
  switch (rng.int(6)) {
    case 0: {
      // Random byte flips, mostly in the header.
      const k = 1 + rng.int(8);
      for (let i = 0; i < k; i++) out[rng.int(rng.uniform() < 0.8 ? headerEnd : out.length)] = rng.int(256);
      return out;
    }
    case 1: {
      // An extreme 16/32/64-bit value at an aligned header offset (dims, datatype, vox_offset, ...).
      const extremes = [0, -1, 1, 7, 8, 0x7fff, -0x8000, 0x7fffffff, -0x80000000, 348, 540, 352, 65535];
      const at = 2 * rng.int(headerEnd / 2 - 4);
      const v = extremes[rng.int(extremes.length)];
      const le = rng.uniform() < 0.5;
      const width = rng.int(3);
      if (width === 0) dv.setInt16(at, (v << 16) >> 16, le);
      else if (width === 1) dv.setInt32(at, v, le);
      else dv.setFloat32(at, [NaN, Infinity, -1, 1e30, 352.5][rng.int(5)], le);
      return out;
    }
    case 2:
      // Truncation anywhere.
      return out.slice(0, rng.int(out.length));
    case 3: {
      // Garbage appended or the start shifted.
      const extra = new Uint8Array(1 + rng.int(64)).map(() => rng.int(256));
      const joined = new Uint8Array(out.length + extra.length);
      if (rng.uniform() < 0.5) {
        joined.set(out);
        joined.set(extra, out.length);
      } else {
        joined.set(extra);
        joined.set(out, extra.length);
      }
      return joined;
    }
    case 4: {
      // Huge dims that would need gigabytes, in a tiny file.
      const nifti2 = dv.getInt32(0, true) === 540 || dv.getInt32(0, false) === 540;
      const le = dv.getInt32(0, true) === 348 || dv.getInt32(0, true) === 540;
      const i = 1 + rng.int(4);
      if (nifti2 && out.length >= 80) dv.setBigInt64(16 + 8 * i, BigInt(2 ** (20 + rng.int(40))), le);
      else if (out.length >= 56) dv.setInt16(40 + 2 * i, 0x7fff, le);
      return out;
    }
    default: {
      // A whole random header region.
      for (let i = 0; i < headerEnd; i++) if (rng.uniform() < 0.1) out[i] = rng.int(256);
      return out;
    }
  }
}

test('1,200 mutated single files: only typed errors, allocations bounded by the input', async () => {
  const rng = new Random(2024);
  const counts: Record<Outcome, number> = { ok: 0, 'typed-error': 0 };
  let peak = 0;
  for (let i = 0; i < 1200; i++) {
    const seed = SEEDS[i % SEEDS.length];
    let bytes = mutate(seed.bytes, rng);
    const compressed = i % 5 === 0;
    if (compressed) {
      bytes = new Uint8Array(gzipSync(bytes));
      // Sometimes corrupt or cut the gzip stream itself.
      if (rng.uniform() < 0.3) bytes = bytes.slice(0, rng.int(bytes.length));
      else if (rng.uniform() < 0.3) bytes[10 + rng.int(Math.max(1, bytes.length - 10))] ^= 0xff;
    }
    counts[await attempt(() => parseNifti(bytes, `${seed.name}#${i}`), bytes.length, compressed)]++;
    if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }
  expect(counts.ok + counts['typed-error']).toBe(1200);
  // The mutations hit both paths: some files stay readable, most are refused.
  expect(counts.ok).toBeGreaterThan(50);
  expect(counts['typed-error']).toBeGreaterThan(300);
  expect(peak).toBeLessThan(256 * 2 ** 20);
});

test('200 mutated .hdr/.img pairs and Analyze headers: only typed errors', async () => {
  const rng = new Random(7);
  let typed = 0;
  for (let i = 0; i < 200; i++) {
    const seed = PAIRS[i % PAIRS.length];
    const hdr = mutate(seed.hdr, rng);
    if (i % 4 === 0) hdr.fill(0, 344, 348); // no magic: parsed as Analyze 7.5
    const img = rng.uniform() < 0.3 ? seed.img.slice(0, rng.int(seed.img.length)) : seed.img;
    if ((await attempt(() => parseNiftiPair(hdr, img, `pair#${i}`), img.length, false)) === 'typed-error')
      typed++;
  }
  expect(typed).toBeGreaterThan(30);
});

test('a tiny file declaring gigabytes fails fast with a typed error naming the file', async () => {
  const bytes = SEEDS[0].bytes.slice();
  const dv = new DataView(bytes.buffer);
  [1, 2, 3, 4].forEach(i => dv.setInt16(40 + 2 * i, 30000, true));
  await expect(parseNifti(bytes, 'huge.nii')).rejects.toThrow(/huge\.nii: absurd dimensions/);
  [1, 2, 3, 4].forEach(i => dv.setInt16(40 + 2 * i, 200, true));
  await expect(parseNifti(bytes, 'big.nii')).rejects.toThrow(
    /big\.nii: header declares .* the file holds only/
  );
  await expect(parseNifti(new Uint8Array(gzipSync(bytes)), 'big.nii.gz')).rejects.toThrow(
    /a gzip stream of \d+ bytes cannot hold/
  );
  const magic = SEEDS[0].bytes.slice();
  magic[345] = 'x'.charCodeAt(0);
  await expect(parseNifti(magic, 'magic.nii')).rejects.toThrow(/magic\.nii: bad magic/);
});
