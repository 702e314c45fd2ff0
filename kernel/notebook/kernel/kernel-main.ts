#!/usr/bin/env node
/**
 * The NeuroSTORM kernel process: `node kernel-main.js --config-path <connection file>` (the argv of
 * our kernelspec). tslab's converter and executor run the cells; our handler and server speak the
 * protocol. The working directory is the notebook's folder, as Jupyter starts kernels.
 */
import { createRequire } from 'module';
import * as path from 'path';
import { createConverter, Converter } from 'tslab/dist/converter';
import { createExecutor } from 'tslab/dist/executor';
import * as tslabJupyter from 'tslab/dist/jupyter';
import type * as TS from '@tslab/typescript-for-tslab';
import { UsageError } from '../../errors';
import { prepareCell } from './cell-rewrite';
import { expandShorthandProperties } from './shorthand-fix';
import { KernelHandler } from './kernel-handler';
import { AssignedKeeper } from './keep-assigned';
import { PARENT_PID_ENV, watchParent } from './parent-watchdog';
import { NeuroStormServer } from './kernel-server';
import { kernelMounts, mountIntoTypeScript, routePackageRequire, TsSys } from './package-mounts';
import { DisplayContent } from '../../verbs/jupyter/wire';
import { display as showBundle, updateDisplay } from '../display/display';

/** The compiled public API this kernel serves to cells as "neurostorm-lab". */
const API_ENTRY = path.join(__dirname, '..', '..', 'index.js');

function parseArgs(argv: readonly string[]): string {
  const i = argv.indexOf('--config-path');
  const configPath =
    i >= 0 ? argv[i + 1] : argv.find(a => a.startsWith('--config-path='))?.slice('--config-path='.length);
  if (!configPath)
    throw new UsageError('missing --config-path <connection file>', {
      hint: 'usage: kernel-main.js --config-path FILE'
    });
  return configPath;
}

/** The TypeScript copy tslab compiles with: mounts must go into the `sys` that tslab's converter reads. */
function tslabTypeScript(): typeof TS {
  const tslabDir = path.dirname(require.resolve('tslab/package.json'));
  return createRequire(path.join(tslabDir, 'package.json'))('@tslab/typescript-for-tslab') as typeof TS;
}

/** Sends process.stdout/stderr writes to the latest cell (ipykernel replaces sys.stdout the same way). */
function routeProcessStreams(handler: KernelHandler): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!handler.writeStream(name, text)) return original(chunk, ...rest);
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      if (callback) process.nextTick(callback);
      return true;
    }) as typeof stream.write;
  }
}

/** Keeps `import * as tslab from "tslab"; tslab.display.html(...)` working: tslab's display API writes here. */
function bridgeTslabDisplay(): void {
  (
    tslabJupyter as { lastWriteDisplayData: (data: DisplayContent, update: boolean) => void }
  ).lastWriteDisplayData = (data, update) => {
    const bundle = { data: data.data, metadata: data.metadata ?? {} };
    const id = data.transient?.display_id;
    if (update && id) updateDisplay(bundle, id);
    else showBundle(bundle, id);
  };
}

export function startKernel(configPath: string): void {
  const cwd = process.cwd();
  const tslabDir = path.dirname(require.resolve('tslab/package.json'));
  const ts = tslabTypeScript();
  mountIntoTypeScript(
    ts.sys as unknown as TsSys,
    kernelMounts(cwd, API_ENTRY, [tslabDir, path.join(__dirname, '..', '..')])
  );

  let browser: Converter | null = null;
  const keeper = new AssignedKeeper(ts);
  const node = keeper.wrap(createConverter({ isJS: false, isBrowser: false }));
  const converters = {
    node,
    get browser(): Converter {
      browser ??= createConverter({ isJS: false, isBrowser: true });
      return browser;
    },
    close: () => {
      node.close();
      browser?.close();
    }
  };
  const handler = new KernelHandler(
    console => createExecutor(cwd, converters, console),
    code => expandShorthandProperties(prepareCell(code), ts),
    keeper
  );
  // The executor hands cells their `require` through this global (tslab/dist/executor.js).
  const bridge = (globalThis as { __tslab__?: { require: (id: string) => unknown } }).__tslab__;
  if (bridge) bridge.require = routePackageRequire(bridge.require, API_ENTRY);
  routeProcessStreams(handler);
  bridgeTslabDisplay();

  const server: NeuroStormServer = new NeuroStormServer(handler, configPath, () => {
    void server.shutdown().then(() => process.exit(0));
  });
  process.on('SIGINT', () => handler.interrupt());
  // A cell's stray async failure must not take the kernel down; it is reported into the latest cell.
  // Work an interrupted cell left behind ends with AbortedError at its next safe point: expected, silent.
  const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortedError';
  process.on('uncaughtException', err => {
    if (!isAbort(err)) process.stderr.write(`Uncaught exception: ${err.stack ?? err.message}\n`);
  });
  process.on('unhandledRejection', reason => {
    if (isAbort(reason)) return;
    process.stderr.write(
      `Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`
    );
  });
  watchParent(process.env[PARENT_PID_ENV]);
  void server.init();
}

if (require.main === module) {
  try {
    startKernel(parseArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`neurostorm kernel: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
