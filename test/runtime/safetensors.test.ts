import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors, toFloat32, StoredTensor } from '../../kernel/runtime/safetensors';
import { WeightsError } from '../../kernel/errors';

const FIXTURE = path.join(__dirname, '../../../shared/fixtures/neurostorm/tiny/weights.safetensors');

describe('safetensors', () => {
  it('reads the official tiny fixture with the spec key names and shapes', async () => {
    const { tensors } = await readSafetensors(FIXTURE);
    expect(tensors.get('patch_embed.fc.weight')).toMatchObject({ dtype: 'F32', shape: [12, 216] });
    expect(tensors.get('layers.0.blocks.0.mamba.A_log')).toMatchObject({ dtype: 'F32', shape: [24, 16] });
    expect(tensors.get('layers.0.blocks.0.mamba.conv1d.weight')?.shape).toEqual([24, 1, 4]);
    // Value check against Python's reading of the same file (numpy + the format's own layout).
    const py = spawnSync('/usr/bin/python3', ['-c', `
import json, struct, numpy as np
b = open(${JSON.stringify(FIXTURE)}, 'rb').read()
n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n])
e = h['patch_embed.fc.weight']; s, t = e['data_offsets']
a = np.frombuffer(b[8+n+s:8+n+t], dtype='<f4')
print(json.dumps([float(a.sum()), float(a[0]), float(a[-1]), len([k for k in h if k != '__metadata__'])]))`], { encoding: 'utf8' });
    expect(py.status).toBe(0);
    const [sum, first, last, count] = JSON.parse(py.stdout);
    const w = tensors.get('patch_embed.fc.weight')!.data as Float32Array;
    expect(w[0]).toBe(first);
    expect(w[w.length - 1]).toBe(last);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 4);
    expect(tensors.size).toBe(count);
  });

  it('round-trips every dtype bit-exactly through an atomic file write', async () => {
    const tensors: Record<string, StoredTensor> = {
      f64: { dtype: 'F64', shape: [2, 3], data: Float64Array.from([1, -2.5, Math.PI, 1e300, -0, NaN]) },
      f32: { dtype: 'F32', shape: [3], data: Float32Array.from([0.1, -7, 3e-38]) },
      i64: { dtype: 'I64', shape: [2], data: BigInt64Array.from([-(2n ** 62n), 5n]) },
      i32: { dtype: 'I32', shape: [1, 1], data: Int32Array.from([-123456]) },
      u8: { dtype: 'U8', shape: [5], data: Uint8Array.from([0, 1, 2, 254, 255]) },
      i8: { dtype: 'I8', shape: [2], data: Int8Array.from([-128, 127]) },
      bf16: { dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc000]) },
      f16: { dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0x3555]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-st-')), 'w.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt' });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['w.safetensors']);
    const back = await readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt' });
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.tensors.get(name)!;
      expect(b.dtype).toBe(t.dtype);
      expect(b.shape).toEqual(t.shape);
      expect(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)).toEqual(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)
      );
    }
    expect(Array.from(toFloat32(back.tensors.get('bf16')!))).toEqual([1, -2]);
    expect(toFloat32(back.tensors.get('f16')!)[0]).toBe(1);
    expect(toFloat32(back.tensors.get('f16')!)[1]).toBeCloseTo(0.333, 3);
  });

  it('refuses truncated, lying and malformed files with a WeightsError naming the file', () => {
    const good = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 5), /too short/],
      [good.subarray(0, good.length - 1), /ends at byte 16 but the data section has 15/],
      [(() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true); return b; })(), /header length/],
      [(() => { const b = good.slice(); b[9] = 0x7b; b[10] = 0x7b; return b; })(), /not valid JSON/],
      [encodeLie('{"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}', 16), /needs 20 bytes/],
      [encodeLie('{"w":{"dtype":"Q7","shape":[4],"data_offsets":[0,16]}}', 16), /unknown dtype/],
      [encodeLie('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', 8), /overlap/]
    ];
    for (const [bytes, message] of cases) {
      let caught: unknown;
      try {
        parseSafetensors(bytes, 'bad.safetensors');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(WeightsError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).toContain('bad.safetensors');
    }
  });
});

function encodeLie(headerJson: string, dataBytes: number): Uint8Array {
  const h = Buffer.from(headerJson, 'utf8');
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
