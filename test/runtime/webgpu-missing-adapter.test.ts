/**
 * With no usable Vulkan driver (the loader pointed at a missing file), NEUROSTORM_PROVIDER=webgpu,
 * `--device webgpu` and ns.runtime.device('webgpu') are clear, typed errors on the public paths (a
 * model forward, the CLI verbs, the API) and in `doctor` — never a silent CPU run; automatic choice
 * passes webgpu over. Runs everywhere (it needs no adapter). Child processes, so each starts with
 * the broken driver setting and no provider probed yet.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixtureDir } from '../models/fixture-data';

const LIB = path.join(__dirname, '..', '..', 'lib', 'kernel');
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/neurostorm-missing-icd.json', VK_DRIVER_FILES: '/nonexistent/neurostorm-missing-icd.json' };

function runNode(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  if (!fs.existsSync(path.join(LIB, 'cli', 'main.js'))) throw new Error(`compiled kernel not found under ${LIB}: run \`npm run build:kernel\``);
  return spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
}

describe('webgpu with no usable adapter', () => {
  it('NEUROSTORM_PROVIDER=webgpu: a model forward fails with the provider error, not a CPU result', () => {
    const script = `
const models = require(${JSON.stringify(path.join(LIB, 'models'))});
(async () => {
  const m = await models.load(process.argv[1]);
  try { await m.backbone(models.fixtureInput(1, [48, 48, 48, 8])); console.log(JSON.stringify({ ran: true })); }
  catch (e) { console.log(JSON.stringify({ name: e.constructor.name, code: e.code, message: e.message })); }
})();`;
    const res = runNode(['-e', script, fixtureDir('tiny')], { ...NO_DRIVER, NEUROSTORM_PROVIDER: 'webgpu' });
    const out = JSON.parse(res.stdout.trim().split('\n').pop() as string);
    expect(out.ran).toBeUndefined();
    expect(out.name).toBe('RuntimeProviderError');
    expect(out.message).toMatch(/execution provider "webgpu" is not usable here: .*(No supported adapters|adapter)/);
  });

  it('doctor says webgpu is not usable and why; auto runs cpu', () => {
    const forced = runNode([path.join(LIB, 'cli', 'main.js'), 'doctor'], { ...NO_DRIVER, NEUROSTORM_PROVIDER: 'webgpu' });
    expect(forced.stdout).toMatch(/\nprovider +none: execution provider "webgpu" is not usable here/);
    expect(forced.stdout).toMatch(/\n +webgpu +not usable/);
    const env: Record<string, string> = { ...NO_DRIVER, NEUROSTORM_PROVIDER: 'auto' };
    const auto = runNode([path.join(LIB, 'cli', 'main.js'), 'doctor'], env);
    expect(auto.status).toBe(0);
    expect(auto.stdout).toMatch(/\nprovider +cpu will run \(auto/);
  });

  it('--device webgpu fails the CLI verbs that run models before any work, naming the flag', () => {
    const cli = path.join(LIB, 'cli', 'main.js');
    const load = runNode([cli, 'load', fixtureDir('tiny'), '--device', 'webgpu'], NO_DRIVER);
    expect(load.status).toBe(1);
    expect(load.stderr).toMatch(/RuntimeProviderError \[E_RUNTIME\]: execution provider "webgpu" is not usable here: .*No supported adapters.*\(asked for by --device\) \(use --device cpu, or --device auto/);
    // A training verb: refused before it reads the data or writes the run folder.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-no-adapter-'));
    try {
      const out = path.join(work, 'run');
      const ft = runNode([cli, 'finetune', '--data', work, '--task', 'sex', '--out', out, '--device', 'webgpu'], NO_DRIVER);
      expect(ft.status).toBe(1);
      expect(ft.stderr).toMatch(/execution provider "webgpu" is not usable here: .*\(asked for by --device\)/);
      expect(fs.existsSync(out)).toBe(false);
      // The same verb with --device cpu gets past the device check (and fails on the empty dataset instead).
      const cpu = runNode([cli, 'finetune', '--data', work, '--task', 'sex', '--out', out, '--device', 'cpu'], NO_DRIVER);
      expect(cpu.stderr).not.toMatch(/E_RUNTIME/);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    // The device line says what ran where it worked: load on cpu.
    const ok = runNode([cli, 'load', fixtureDir('tiny'), '--device', 'cpu', '--json'], NO_DRIVER);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).device).toEqual({ requested: 'cpu', source: 'scope', provider: 'cpu', ran: [] });
  });

  it("ns.runtime.device('webgpu') is a typed error and leaves the default as it was", () => {
    const script = `
const ns = require(${JSON.stringify(LIB)});
(async () => {
  const before = await ns.runtime.device();
  let error = null;
  try { await ns.runtime.device('webgpu'); } catch (e) { error = { name: e.constructor.name, message: e.message }; }
  const after = await ns.runtime.device();
  console.log(JSON.stringify({ before, error, after }));
})();`;
    const res = runNode(['-e', script], { ...NO_DRIVER, NEUROSTORM_PROVIDER: 'auto' });
    const out = JSON.parse(res.stdout.trim().split('\n').pop() as string);
    expect(out.error.name).toBe('RuntimeProviderError');
    expect(out.error.message).toMatch(/execution provider "webgpu" is not usable here: .*\(asked for by ns\.runtime\.device\(\)\)/);
    expect(out.before).toMatchObject({ requested: 'auto', provider: 'cpu', source: 'auto' });
    expect(out.after).toEqual(out.before);
  });
});
