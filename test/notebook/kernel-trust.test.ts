/**
 * Issue 13 through the real kernel and Jupyter's own client (kernel_trust_test.py): interrupted
 * model loops, names kept after errors, placeholders, error reports, payload rules, inspect, NIfTI
 * summaries. The kernelspec is installed by `neurostorm install --prefix` into a temp dir.
 */
import { spawnSync } from 'child_process';
import { installSandbox, JupyterSandbox, PYTHON, SAMPLE_NII } from './kernel-process';

describe('a kernel a notebook user can trust (jupyter_client)', () => {
  let sandbox: JupyterSandbox;

  beforeAll(() => {
    sandbox = installSandbox();
  });

  afterAll(() => sandbox?.cleanup());

  it('passes kernel_trust_test.py', () => {
    const res = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'kernel_trust_test'], {
      cwd: __dirname,
      env: { ...sandbox.env, NEUROSTORM_SAMPLE_NII: SAMPLE_NII },
      encoding: 'utf8',
      timeout: 240_000
    });
    const report = res.stderr;
    expect(report).toMatch(/Ran 10 tests/);
    expect(report).toMatch(/\nOK\n/);
    // Provider choice on this CPU machine must not load Dawn: no raw native warnings reach the client's terminal.
    expect(report).not.toMatch(/Couldn't load Vulkan|dawn-src/);
    expect(res.status).toBe(0);
  }, 260_000);
});
