/**
 * With no usable Vulkan driver (the loader pointed at a missing file), NEUROSTORM_PROVIDER=webgpu is
 * a clear, typed error on the public path (a model forward) and in `doctor` — never a silent CPU run;
 * automatic choice passes webgpu over. Runs everywhere (it needs no adapter). Child processes, because
 * GPU providers are probed in a child that inherits the real environment (jest's process.env is a copy).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
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
});
