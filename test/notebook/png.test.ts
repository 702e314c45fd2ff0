import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crc32, encodePng } from '../../kernel/notebook/display/png';
import { PayloadError } from '../../kernel/errors';
import { python } from './python-peer';

describe('encodePng', () => {
  it('computes the standard CRC-32 (check value of "123456789")', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it.each([3, 4] as const)('writes %i-channel images that PIL decodes to the same pixels', channels => {
    const width = 7;
    const height = 5;
    const pixels = new Uint8Array(width * height * channels);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + 11) % 256;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-png-'));
    const file = path.join(dir, 'x.png');
    fs.writeFileSync(file, encodePng({ width, height, channels, pixels }));
    const decoded = python<{ size: number[]; mode: string; bytes: number[] }>(
      `import json; from PIL import Image; im = Image.open(${JSON.stringify(file)}); im.load(); print(json.dumps({"size": im.size, "mode": im.mode, "bytes": list(im.tobytes())}))`
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect(decoded.size).toEqual([width, height]);
    expect(decoded.mode).toBe(channels === 4 ? 'RGBA' : 'RGB');
    expect(decoded.bytes).toEqual(Array.from(pixels));
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) })).toThrow(
      PayloadError
    );
    expect(() => encodePng({ width: 0, height: 2, channels: 3, pixels: new Uint8Array(0) })).toThrow(
      /positive integers/
    );
  });
});
