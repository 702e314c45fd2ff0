/**
 * `neurostorm run` on cells a user cannot stop from inside: a synchronous infinite loop under
 * --timeout, SIGINT/SIGTERM to the runner, the runner killed outright — each ends with the partial
 * notebook saved (where the runner lives to save it) and no kernel process left (checked in the
 * process table). And no output is lost: 5,000 printed lines and 52 MB of text arrive whole.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLI, installSandbox, JupyterSandbox, readCells, text, writeNotebook } from './kernel-process';

/** PIDs of processes whose parent is `ppid` and whose command line contains `needle` (ps, the process table). */
function childrenOf(ppid: number, needle: string): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map(l => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === ppid && m[3].includes(needle))
    .map(m => Number(m[1]));
}

function alive(pid: number): boolean {
  const ps = spawnSync('ps', ['-o', 'pid=,stat=', '-p', String(pid)], { encoding: 'utf8' });
  // A zombie (Z) has exited; only its exit status waits to be read.
  return ps.stdout.trim() !== '' && !/\sZ/.test(ps.stdout);
}

async function until<T>(what: string, get: () => T | null, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startRun(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }))
  );
  return { child, done };
}

/** The runner's kernel, once it is running the notebook's looping cell (its first output arrived). */
async function kernelOf(run: Run): Promise<number> {
  return until('the kernel process', () => childrenOf(run.child.pid as number, 'kernel-main.js')[0] ?? null);
}

describe('neurostorm run stops what it started', () => {
  let sandbox: JupyterSandbox;
  let work: string;

  beforeAll(() => {
    sandbox = installSandbox();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-run-stop-'));
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    sandbox?.cleanup();
  });

  it('stops a synchronous infinite loop at --timeout, saves the partial notebook, leaves no process', async () => {
    const nb = path.join(work, 'spin.ipynb');
    const out = path.join(work, 'spin.out.ipynb');
    writeNotebook(nb, [
      { source: 'let k = 0;\nconsole.log("before the loop");' },
      { source: 'while (true) { k++; }' },
      { source: 'console.log("never runs")' }
    ]);
    const run = startRun([nb, '-o', out, '--timeout', '3', '--quiet'], sandbox.env);
    const kernel = await kernelOf(run);
    const { code, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/cell 1 failed: TimeoutError: the cell exceeded --timeout 3 \(3 s\)/);
    const cells = readCells(out);
    expect(text(cells[0].outputs[0].text)).toBe('before the loop\n');
    expect(cells[1].outputs).toEqual([
      expect.objectContaining({ output_type: 'error', ename: 'TimeoutError' })
    ]);
    expect(cells[1].outputs[0].evalue).toMatch(/exceeded --timeout 3/);
    expect(cells[2].outputs).toEqual([]);
    expect(alive(kernel)).toBe(false);
  }, 120_000);

  it('stops a loop that never yields after an await (the kernel is ended) at --timeout', async () => {
    const nb = path.join(work, 'async-spin.ipynb');
    const out = path.join(work, 'async-spin.out.ipynb');
    writeNotebook(nb, [{ source: 'let k = 0;\nawait null;\nwhile (true) { k++; }' }]);
    const run = startRun([nb, '-o', out, '--timeout', '2', '--quiet'], sandbox.env);
    const kernel = await kernelOf(run);
    const { code } = await run.done;
    expect(code).toBe(1);
    const [cell] = readCells(out);
    expect(cell.outputs[0]).toMatchObject({ output_type: 'error', ename: 'TimeoutError' });
    expect(cell.outputs[0].evalue).toMatch(/exceeded --timeout 2 .*the kernel was ended/);
    expect(alive(kernel)).toBe(false);
  }, 120_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to the runner saves the partial notebook and leaves no kernel`, async () => {
      const nb = path.join(work, `${signal}.ipynb`);
      const out = path.join(work, `${signal}.out.ipynb`);
      const marker = path.join(work, `${signal}.started`);
      writeNotebook(nb, [
        { source: 'console.log("first cell ran")' },
        { source: `require("fs").writeFileSync(${JSON.stringify(marker)}, "");\nlet k = 0;\nawait null;\nwhile (true) { k++; }` }
      ]);
      const run = startRun([nb, '-o', out, '--quiet'], sandbox.env);
      const kernel = await kernelOf(run);
      // The loop cell leaves a marker as it starts: then stop the run.
      await until('the loop cell to start', () => (fs.existsSync(marker) ? true : null));
      run.child.kill(signal);
      const { code } = await run.done;
      expect(code).not.toBe(0);
      expect(alive(kernel)).toBe(false);
      const cells = readCells(out);
      expect(text(cells[0].outputs[0]?.text)).toBe('first cell ran\n');
      expect(cells[1].outputs[0]).toMatchObject({ output_type: 'error', ename: 'AbortedError' });
      expect(cells[1].outputs[0].evalue).toMatch(new RegExp(`neurostorm run was (interrupted|terminated) \\(${signal}\\)`));
    }, 120_000);
  }

  it('a runner killed outright (SIGKILL) takes its kernel with it', async () => {
    const nb = path.join(work, 'killed.ipynb');
    writeNotebook(nb, [{ source: 'let k = 0;\nwhile (true) { k++; }' }]);
    const run = startRun([nb, '-o', path.join(work, 'killed.out.ipynb'), '--quiet'], sandbox.env);
    const kernel = await kernelOf(run);
    run.child.kill('SIGKILL');
    await run.done;
    // The kernel's watchdog thread notices within a second, even though its main thread spins.
    await until('the orphaned kernel to end', () => (alive(kernel) ? null : true), 15_000);
  }, 120_000);

  it('saves every line of a 5,000-line output and all 52 MB of a huge one', async () => {
    const nb = path.join(work, 'loud.ipynb');
    const out = path.join(work, 'loud.out.ipynb');
    const mb = 52 * 1024 * 1024;
    writeNotebook(nb, [
      { source: 'for (let i = 0; i < 5000; i++) console.log(`line ${i}`);' },
      { source: `process.stdout.write("0123456789abcdef".repeat(${mb / 16}));\nconsole.error("after");` }
    ]);
    const run = startRun([nb, '-o', out, '--quiet'], sandbox.env);
    const { code, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const cells = readCells(out);
    const lines = text(cells[0].outputs[0].text).split('\n');
    expect(lines).toHaveLength(5001);
    expect(lines.slice(0, 5000)).toEqual(Array.from({ length: 5000 }, (_, i) => `line ${i}`));
    expect(cells[0].outputs).toHaveLength(1);
    const [big, after] = cells[1].outputs;
    const bigText = text(big.text);
    expect(big.name).toBe('stdout');
    expect(bigText.length).toBe(mb);
    expect(bigText.slice(mb - 16)).toBe('0123456789abcdef');
    expect(after).toMatchObject({ name: 'stderr' });
    expect(text(after.text)).toBe('after\n');
  }, 180_000);
});
