/**
 * Which execution provider a session runs on — asked for, checked, and recorded, never guessed.
 *
 * A request comes from, strongest first:
 *   1. a per-call option (`createSession(g, { provider })`, `models.load(p, { session: { provider } })`);
 *   2. a scope: `onDevice(name, fn)`, which the verbs' `--device` flag uses for one call;
 *   3. the process default set with `device(name)` (`ns.runtime.device`);
 *   4. $NEUROSTORM_PROVIDER;
 *   5. automatic choice: the first usable of cuda, webgpu, cpu, where webgpu counts only on a
 *      hardware adapter (a software one — lavapipe, SwiftShader — is 10-100x slower than the CPU).
 * A named provider that does not run the probe block (providers.ts) is a RuntimeProviderError that
 * says who asked for it: never a silent fallback to the CPU. Sessions note the provider every run
 * actually used, so `onDevice` reports what ran, not what was asked.
 */
import { AsyncLocalStorage } from 'async_hooks';
import * as ort from 'onnxruntime-node';
import { RuntimeProviderError } from '../errors';
import type { Graph } from '../graph/graph';
import { softwareAdapterReason } from './gpus';
import { cudaProviderInstalled, probe, ProbeResult, PROVIDER_PREFERENCE, ProviderName, softwareWebgpuReason } from './providers';

/** Environment variable that sets the provider (cuda, webgpu, cpu or auto) when nothing stronger does. */
export const PROVIDER_ENV = 'NEUROSTORM_PROVIDER';

/** A device as users name it: a provider, or auto. */
export type DeviceName = ProviderName | 'auto';
export const DEVICE_NAMES: readonly DeviceName[] = ['auto', 'cpu', 'webgpu', 'cuda'];

/** Where the request came from (see the file comment for the order). */
export type ChoiceSource = 'option' | 'scope' | 'default' | 'env' | 'auto';

/** Which provider runs, and why (what `doctor` and `%neurostorm info` print). */
export interface ProviderChoice {
  provider: ProviderName;
  source: ChoiceSource;
  /** Providers automatic choice passed over, each with the reason. */
  skipped: { name: string; reason: string }[];
}

/** A choice together with what was asked for. */
export interface DeviceChoice extends ProviderChoice {
  requested: DeviceName;
}

/** What one `onDevice` call asked for and what actually ran in it. */
export interface DeviceRecord {
  requested: DeviceName;
  source: ChoiceSource;
  /** The provider the request resolved to. */
  provider: ProviderName;
  /** Providers that ran model graphs during the call (in first-use order); empty when none ran. */
  ran: ProviderName[];
}

interface Request {
  want: string;
  source: ChoiceSource;
  /** Who asked, for messages: "--device", "ns.runtime.device()", "NEUROSTORM_PROVIDER". */
  origin: string | null;
}

interface Scope {
  request: Request | null;
  ran: Set<ProviderName>;
  parent: Scope | undefined;
}

const scopes = new AsyncLocalStorage<Scope>();
let processDefault: Request | null = null;

/** The request in effect for a call with `requested` as its per-call option. */
function currentRequest(requested?: DeviceName): Request {
  if (requested) return { want: requested, source: 'option', origin: null };
  for (let s = scopes.getStore(); s; s = s.parent) if (s.request) return s.request;
  if (processDefault) return processDefault;
  const fromEnv = process.env[PROVIDER_ENV]?.trim().toLowerCase();
  if (fromEnv && fromEnv !== 'auto') return { want: fromEnv, source: 'env', origin: PROVIDER_ENV };
  return { want: 'auto', source: 'auto', origin: null };
}

/** A typed error for a device name we do not know (e.g. "bogus"), naming who gave it. */
function checkName(r: Request): DeviceName {
  if (!(DEVICE_NAMES as readonly string[]).includes(r.want)) {
    throw new RuntimeProviderError(`unknown execution provider "${r.want}"${r.origin ? ` (from ${r.origin})` : ''}`, {
      hint: `use one of ${PROVIDER_PREFERENCE.join(', ')} or auto`
    });
  }
  return r.want as DeviceName;
}

/** What to do when the provider `r` names does not run here. */
function hintFor(r: Request): string {
  switch (r.source) {
    case 'env':
      return `unset ${PROVIDER_ENV} or choose cpu`;
    case 'scope':
      return `use ${r.origin === '--device' ? '--device cpu, or --device auto' : 'cpu or auto'}; \`neurostorm doctor\` says what runs here`;
    case 'default':
      return "call ns.runtime.device('auto') or ns.runtime.device('cpu'); `neurostorm doctor` says what runs here";
    default:
      return 'choose cpu or auto; `neurostorm doctor` says what runs here';
  }
}

const CUDA_NOT_INSTALLED = "onnxruntime-node's CUDA provider library is not installed (`neurostorm doctor` prints the command that installs it)";

const probed = new Map<string, Promise<ProbeResult>>();

/** The probe of one provider, once per process (a provider's usability does not change while it runs). */
export function probeOnce(name: string): Promise<ProbeResult> {
  let p = probed.get(name);
  if (!p) {
    p = probe(name);
    probed.set(name, p);
  }
  return p;
}

async function choose(r: Request): Promise<ProviderChoice> {
  const want = checkName(r);
  if (want !== 'auto') {
    // Without its library, probing cuda only yields onnxruntime's "cannot open shared object" dump.
    const reason = want === 'cuda' && !cudaProviderInstalled() ? CUDA_NOT_INSTALLED : (await probeOnce(want)).reason;
    if (reason !== null) {
      throw new RuntimeProviderError(`execution provider "${want}" is not usable here: ${reason}${r.origin ? ` (asked for by ${r.origin})` : ''}`, { hint: hintFor(r) });
    }
    return { provider: want, source: r.source, skipped: [] };
  }
  const listed = new Set(ort.listSupportedBackends().map(b => b.name));
  const skipped: ProviderChoice['skipped'] = [];
  for (const name of PROVIDER_PREFERENCE) {
    let reason: string | null;
    if (name !== 'cpu' && !listed.has(name)) reason = 'not in this onnxruntime-node build';
    else if (name === 'cuda' && !cudaProviderInstalled()) reason = 'CUDA provider library not installed';
    else if (name === 'webgpu') {
      // Without a GPU in sight Dawn is never loaded; with one, the probe names the adapter it opened.
      reason = softwareAdapterReason();
      if (reason === null) {
        const result = await probeOnce(name);
        reason = result.reason ?? softwareWebgpuReason(result);
      }
    } else reason = (await probeOnce(name)).reason;
    if (reason === null) return { provider: name, source: r.source, skipped };
    skipped.push({ name, reason });
  }
  throw new RuntimeProviderError('no execution provider could run the probe graph, not even cpu');
}

/**
 * The provider sessions will use, and why: `requested`, else the scope, the process default,
 * $NEUROSTORM_PROVIDER, or automatic choice (see the file comment). A named provider that does not
 * run here is a RuntimeProviderError.
 */
export async function chooseProvider(requested?: DeviceName): Promise<ProviderChoice> {
  return choose(currentRequest(requested));
}

/** The provider to use (see chooseProvider). */
export async function resolveProvider(requested?: DeviceName): Promise<ProviderName> {
  return (await chooseProvider(requested)).provider;
}

/** Whether a graph holds float64 values (inputs, parameters or computed): WebGPU cannot run those. */
export function holdsFloat64(graph: Graph): boolean {
  return (
    graph.inputs.some(t => t.dtype === 'float64') ||
    graph.params.some(p => p.tensor.dtype === 'float64') ||
    graph.nodes.some(n => n.outputs.some(t => t.dtype === 'float64'))
  );
}

/**
 * The provider that will really run `graph`. WGSL has no 64-bit floats, so onnxruntime's WebGPU
 * provider has no double kernels and puts every node of a float64 graph on the CPU while the
 * session still says webgpu (measured: 3432 of 3432 nodes of the float64 backbone). So a float64
 * graph runs on cpu when automatic choice picked webgpu (and reports cpu), and is a
 * RuntimeProviderError when webgpu was asked for by name: the caller asked for something that
 * cannot happen.
 */
export async function providerForGraph(graph: Graph, requested?: DeviceName): Promise<ProviderName> {
  const r = currentRequest(requested);
  return graphProvider((await choose(r)).provider, r.want === 'auto', holdsFloat64(graph), graph.name, r.origin);
}

/** The float64 rule of providerForGraph, on its own: `chosen` for `graphName`, picked by auto or by name. */
export function graphProvider(chosen: ProviderName, byAuto: boolean, float64: boolean, graphName: string, origin: string | null = null): ProviderName {
  if (chosen !== 'webgpu' || !float64) return chosen;
  if (byAuto) return 'cpu';
  throw new RuntimeProviderError(
    `graph "${graphName}" holds float64 values, which the webgpu provider cannot run (WebGPU has no 64-bit floats: onnxruntime would run every node on the CPU)${origin ? ` (webgpu asked for by ${origin})` : ''}`,
    { hint: 'run float64 graphs (gradient and exactness checks) on cpu' }
  );
}

/**
 * `ns.runtime.device`: the process default device.
 *   device()          what a session created now would run on (probing as needed), and why;
 *   device(name)      checks `name` runs here (RuntimeProviderError if not, default unchanged), then
 *                     makes it the default for sessions created from now on; 'auto' overrides
 *                     $NEUROSTORM_PROVIDER with automatic choice;
 *   device(null)      drops the default: $NEUROSTORM_PROVIDER, else automatic choice, again.
 * Per-call options and `onDevice` scopes (the `--device` flag) still win over it. A model's graphs
 * already compiled keep their provider; `model.invalidate()` recompiles them on the new default.
 */
export async function device(name?: DeviceName | null): Promise<DeviceChoice> {
  if (name === null) processDefault = null;
  else if (name !== undefined) {
    const r: Request = { want: String(name).trim().toLowerCase(), source: 'default', origin: 'ns.runtime.device()' };
    await choose(r);
    processDefault = r;
  }
  const r = currentRequest();
  return { requested: checkName(r), ...(await choose(r)) };
}

/**
 * Runs `fn` with `name` as the device of every session it creates without a per-call option
 * (undefined: keep the device in effect), and records the providers its graph runs actually used.
 * The choice is checked before `fn` starts: an unusable provider fails before any work. Scopes
 * follow async calls (AsyncLocalStorage), so concurrent calls keep their own device.
 */
export async function onDevice<T>(name: DeviceName | undefined, fn: () => Promise<T>, origin = 'onDevice()'): Promise<{ value: T; device: DeviceRecord }> {
  const parent = scopes.getStore();
  const request: Request | null = name === undefined ? null : { want: String(name).trim().toLowerCase(), source: 'scope', origin };
  const scope: Scope = { request, ran: new Set(), parent };
  return scopes.run(scope, async () => {
    const r = currentRequest();
    const choice = await choose(r);
    const value = await fn();
    return { value, device: { requested: checkName(r), source: choice.source, provider: choice.provider, ran: [...scope.ran] } };
  });
}

/** Called by sessions after each run: the provider that ran, for every enclosing `onDevice` scope. */
export function noteRan(provider: ProviderName): void {
  for (let s = scopes.getStore(); s; s = s.parent) s.ran.add(provider);
}

/**
 * The request in effect (no probing) and, inside an `onDevice` scope, the providers that ran so
 * far (null outside one): for run manifests, beside the provider that ran the training step.
 */
export function deviceRequest(): { requested: string; source: ChoiceSource; ran: ProviderName[] | null } {
  const r = currentRequest();
  const scope = scopes.getStore();
  return { requested: r.want, source: r.source, ran: scope ? [...scope.ran] : null };
}
