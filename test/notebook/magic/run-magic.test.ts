import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runMagic, splitMagicLine, magicHelp, completeMagic, magicValueBundle } from '../../../kernel/notebook/magic';
import { UsageError } from '../../../kernel/errors';
import { create, demoConfig, save, NeuroStormModel } from '../../../kernel/models';
import { VERBS } from '../../../kernel/verbs';

/** What runMagic printed into the (absent) cell: process.stdout writes while `fn` runs. */
async function printed<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const value = await fn();
    return { value, text: spy.mock.calls.map(c => String(c[0])).join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('%neurostorm line splitting', () => {
  it('splits like a shell: quotes group, backslash escapes', () => {
    expect(splitMagicLine(`view "my scan.nii.gz" --title 'a b'  x\\ y`)).toEqual([
      'view',
      'my scan.nii.gz',
      '--title',
      'a b',
      'x y'
    ]);
    expect(splitMagicLine('echo ""')).toEqual(['echo', '']);
    expect(() => splitMagicLine('view "open')).toThrow(UsageError);
  });
});

describe('runMagic', () => {
  it('gives short UsageErrors with the generated usage line for unknown verbs, bad flags and bad bodies', async () => {
    await expect(runMagic('frob')).rejects.toThrow(/unknown verb "frob".*verbs: help, info, synth, check, load, view/);
    await expect(runMagic('info --colour red')).rejects.toThrow(/unknown flag --colour.*usage: %neurostorm info \[--as NAME\]/);
    await expect(runMagic('view x.nii --frame many')).rejects.toThrow(/--frame takes a number, got "many"/);
    await expect(runMagic('view x.nii --view sideways')).rejects.toThrow(/--view must be one of multiplanar/);
    await expect(runMagic('view', 'colour: red')).rejects.toThrow(/unknown option "colour"/);
    await expect(runMagic('view', 'path: x.nii\nframe: many')).rejects.toThrow(/--frame takes a number/);
    await expect(runMagic('view', '- a list')).rejects.toThrow(/must be a mapping/);
    await expect(runMagic('view', 'a: [unclosed')).rejects.toThrow(/not valid YAML/);
    await expect(runMagic('info', 'x: 1')).rejects.toThrow(/takes no cell body/);
    await expect(runMagic('')).rejects.toThrow(/no verb given/);
    await expect(runMagic('install')).rejects.toThrow(/unknown verb "install"/);
    await expect(runMagic('synth --out x --frames 10')).rejects.toThrow(/shorter than one 20-frame clip/);
    await expect(runMagic('synth --out x --subjects -1')).rejects.toThrow(/--subjects must be a whole number >= 2/);
    await expect(runMagic('load m --as 2x')).rejects.toThrow(/--as takes a variable name, got "2x"/);
  });

  it('generates help from the table, so a new verb documents itself', async () => {
    const all = magicHelp();
    for (const name of ['help', 'info', 'synth', 'check', 'load', 'view']) expect(all).toMatch(new RegExp(`\\n  ${name}\\s+\\S`));
    const one = magicHelp(VERBS, 'view');
    expect(one).toMatch(/^usage: %neurostorm view PATH \[--frame N\]/);
    expect(one).toMatch(/--frame N\s+frame of a 4D image shown first \(a whole number >= 0\) \(default: 0\)/);
    expect(one).toMatch(/YAML\/JSON body/);
    expect(() => magicHelp(VERBS, 'nope')).toThrow(/unknown verb "nope"/);
    const { value, text } = await printed(() => runMagic('help synth'));
    expect(value).toBeUndefined();
    expect(text).toMatch(/^usage: %neurostorm synth --out DIR \[--subjects N\]/);
    await expect(runMagic('help --as h')).rejects.toThrow(/help produces no value to bind/);
  });

  it('completes verbs and flags', () => {
    expect(completeMagic('vi').matches).toEqual(['view']);
    expect(completeMagic('view x.nii --fr')).toEqual({ matches: ['--frame'], replace: 4 });
  });
});

describe('a magic gives its result to the notebook', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-magic-'));
    await save(create(demoConfig(), { seed: 3 }), path.join(dir, 'demo'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('load resolves to the model itself, shown as one line when it is the cell value', async () => {
    const { value, text } = await printed(() => runMagic(`load ${path.join(dir, 'demo')} --as model`));
    expect(value).toBeInstanceOf(NeuroStormModel);
    const model = value as NeuroStormModel;
    let parameters = 0;
    for (const v of model.parameterValues().values()) parameters += v.length;
    expect(text).toContain(`${parameters.toLocaleString('en-US')} parameters`);
    expect(magicValueBundle(model)?.data['text/plain']).toBe(
      `NeuroStormModel ${path.join(dir, 'demo')} (${parameters.toLocaleString('en-US')} parameters)`
    );
    expect(magicValueBundle({})).toBeNull();
  });

  it('synth resolves to the cohort it wrote (root, participants, runs)', async () => {
    const out = path.join(dir, 'cohort');
    const { value } = await printed(() => runMagic(`synth --out ${out} --subjects 2 --sessions 1 --frames 20 --seed 4`));
    const cohort = value as { root: string; participants: { id: string }[]; runs: { file: string }[] };
    expect(cohort.root).toBe(out);
    expect(cohort.participants).toHaveLength(2);
    expect(cohort.runs).toHaveLength(2);
    for (const r of cohort.runs) expect(fs.existsSync(r.file)).toBe(true);
  });
});
