/**
 * A magic that runs model graphs says on which device, as its CLI twin does: `%neurostorm load demo
 * --device cpu` prints the device line (asked for by --device, the providers that ran).
 */
import { runMagic } from '../../../kernel/notebook/magic/run-magic';

jest.setTimeout(120_000);

test('%neurostorm load --device cpu prints where the model graphs run', async () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await runMagic('load demo --device cpu');
  } finally {
    spy.mockRestore();
  }
  const out = written.join('');
  expect(out).toMatch(/^device\s+cpu \(--device cpu\); /m);
});
