/**
 * Whether the WebGPU tests can run here, decided before jest collects them: a child process runs a
 * one-node graph on onnxruntime's webgpu provider (Dawn's native warnings stay in the child). In CI
 * (CI=true, or NEUROSTORM_REQUIRE_WEBGPU=1 as .ci/run sets after installing Mesa's lavapipe) a
 * missing adapter fails the test file loudly; on a developer machine without one the tests are
 * skipped and the reason is printed.
 */
import { spawnSync } from 'child_process';
import * as G from '../../kernel/graph';
import { toModelBytes } from '../../kernel/graph/serialize';

export const WEBGPU_REQUIRED = /^(true|1)$/i.test(process.env.CI ?? '') || process.env.NEUROSTORM_REQUIRE_WEBGPU === '1';

function probeWebgpu(): string | null {
  const g = new G.Graph('webgpu_gate');
  const x = g.input('x', [4]);
  g.output('y', G.add(x, x));
  const script = `
const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
(async () => {
  try {
    const s = await ort.InferenceSession.create(Buffer.from(process.argv[1], 'base64'), { executionProviders: ['webgpu'], logSeverityLevel: 3 });
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
    process.stdout.write(JSON.stringify({ y: Array.from(out.y.data) }));
  } catch (e) { process.stdout.write(JSON.stringify({ error: String((e && e.message) || e) })); }
})();`;
  const run = () => spawnSync(process.execPath, ['-e', script, Buffer.from(toModelBytes(g)).toString('base64')], { encoding: 'utf8', timeout: 120_000 });
  let res = run();
  // Killed by a signal (the timeout, or the kernel's OOM killer on a machine out of memory) says
  // nothing about the adapter: measured once here with 0 GB available. One more try before failing.
  if (res.signal) res = run();
  let parsed: { y?: number[]; error?: string };
  try {
    parsed = JSON.parse(res.stdout) as typeof parsed;
  } catch {
    return `the probe process failed (status ${res.status}${res.signal ? `, killed by ${res.signal}` : ''}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  if (parsed.error !== undefined) {
    // onnxruntime prefixes the message with a source location; keep the human part and Dawn's first warning.
    const first = parsed.error.split('\n')[0];
    return `${/(Failed to .*|No supported .*)$/.exec(first)?.[1] ?? first} ${res.stderr.trim().split('\n')[0] ?? ''}`.trim();
  }
  return JSON.stringify(parsed.y) === '[2,4,6,8]' ? null : `the probe returned ${JSON.stringify(parsed.y)}`;
}

/** Why webgpu cannot run here, or null. */
export const webgpuUnavailable = probeWebgpu();

if (webgpuUnavailable && WEBGPU_REQUIRED) {
  throw new Error(
    `WebGPU tests are required here (CI) but onnxruntime's webgpu provider has no adapter: ${webgpuUnavailable}. ` +
      'CI installs Mesa >= 25 (lavapipe) from bookworm-backports in .ci/run; see kernel/runtime/README.md.'
  );
}

/** `describe` when webgpu runs here; otherwise a skipped describe that prints why. */
export function describeWebgpu(name: string, fn: () => void): void {
  if (webgpuUnavailable === null) return describe(name, fn);
  console.log(`SKIPPED "${name}": webgpu is not usable here (${webgpuUnavailable}); CI installs Mesa's lavapipe and runs these`);
  describe.skip(name, fn);
}
