import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  completeVerbLine,
  FrontEndStyle,
  helpText,
  parseVerbArgs,
  usageLine,
  Verb,
  VerbInput,
  VERBS,
  findVerb
} from '../../kernel/verbs';
import { UsageError } from '../../kernel/errors';
import { CLI_STYLE } from '../../kernel/cli/style';
import { MAGIC_STYLE } from '../../kernel/notebook/magic/style';

/** A verb that returns what it was called with. */
const echo: Verb = {
  name: 'echo',
  summary: 'returns its input',
  positionals: [
    { name: 'DATASET', description: 'a folder', path: 'dir' },
    { name: 'EXTRA', description: 'anything', optional: true }
  ],
  flags: {
    count: { type: 'number', integer: true, min: 1, description: 'a count', default: 1 },
    mode: { type: 'string', choices: ['a', 'b'], description: 'a mode' },
    out: { type: 'string', path: 'dir', required: true, metavar: 'DIR', description: 'where' },
    tag: { type: 'list', description: 'tags' },
    loud: { type: 'boolean', description: 'a switch' }
  },
  takesBody: true,
  call: async (input: VerbInput) => ({ kind: 'help', topic: JSON.stringify(input) })
};

const parse = (argv: string[], style: FrontEndStyle = CLI_STYLE, body: Record<string, unknown> | null = null) =>
  parseVerbArgs(echo, argv, style, body);

describe('verb arguments', () => {
  it('generates a usage line that lists every positional and flag, required first', () => {
    expect(usageLine(echo, CLI_STYLE)).toBe(
      'neurostorm echo DATASET [EXTRA] --out DIR [--count N] [--mode a|b] [--tag VALUE ...] [--loud] [--json]'
    );
    expect(usageLine(echo, MAGIC_STYLE)).toMatch(/^%neurostorm echo DATASET \[EXTRA\] --out DIR .* \[--as NAME\]$/);
  });

  it('splits the front end\'s own flags from the verb\'s', () => {
    const { input, extra } = parse(['ds', '--out', 'o', '--json', '--tag', 'x,y']);
    expect(input).toEqual({ positionals: ['ds'], flags: { out: 'o', count: 1, tag: ['x', 'y'] } });
    expect(extra).toEqual({ json: true });
  });

  it('refuses missing and extra positionals and bad values before any work, naming the usage', () => {
    expect(() => parse(['--out', 'o'])).toThrow(/echo needs DATASET.*usage: neurostorm echo DATASET/);
    expect(() => parse(['a', 'b', 'c', '--out', 'o'])).toThrow(/takes DATASET EXTRA, got also "c"/);
    expect(() => parse(['ds'])).toThrow(/--out is required/);
    expect(() => parse(['ds', '--out', 'o', '--count', '0'])).toThrow(/--count must be a whole number >= 1, got 0/);
    expect(() => parse(['ds', '--out', 'o', '--mode', 'c'])).toThrow(UsageError);
  });

  it('merges a %%neurostorm body under the line, checks its values, and fills positionals by name', () => {
    const { input } = parse(['--count', '3'], MAGIC_STYLE, { dataset: 'from-body', out: 'o', count: 9, 'mode': 'b' });
    expect(input).toEqual({ positionals: ['from-body'], flags: { count: 3, out: 'o', mode: 'b' } });
    expect(() => parse([], MAGIC_STYLE, { dataset: 'd', out: 'o', count: -2 })).toThrow(/--count must be/);
    expect(() => parse([], MAGIC_STYLE, { dataset: 'd', out: 'o', colour: 1 })).toThrow(/unknown option "colour"/);
    expect(() => parse([], MAGIC_STYLE, { dataset: 'd', out: 'o', loud: 'yes' })).toThrow(/--loud takes true or false/);
  });
});

describe('THE verb table', () => {
  it('has one entry per verb name, each with a summary and a generated usage in its front ends', () => {
    const names = VERBS.map(v => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of VERBS) {
      expect(v.summary.length).toBeGreaterThan(10);
      for (const flag of Object.keys(v.flags)) expect(usageLine(v, CLI_STYLE)).toContain(`--${flag}`);
    }
    expect(helpText(VERBS, CLI_STYLE)).toMatch(/\n {2}doctor\s+Node/);
    expect(helpText(VERBS, MAGIC_STYLE)).toMatch(/\n {2}info\s+Node/);
    expect(helpText(VERBS, MAGIC_STYLE)).not.toMatch(/\n {2}install\s/);
    expect(helpText(VERBS, CLI_STYLE)).not.toMatch(/\n {2}view\s/);
  });

  it('refuses a synthetic cohort too short for one clip at the model TR, whatever the front end', () => {
    const synth = findVerb(VERBS, 'synth')!;
    expect(() => parseVerbArgs(synth, ['--out', 'x', '--frames', '10'], CLI_STYLE)).toThrow(
      /--frames 10 at --tr 0.8 s is 10 frames at 0.8 s, shorter than one 20-frame clip.*--frames 20 or more/
    );
    // At TR 2 s, 8 frames are 20 at 0.8 s: accepted; 7 are 18: refused with the right minimum.
    expect(() => parseVerbArgs(synth, ['--out', 'x', '--frames', '8', '--tr', '2'], CLI_STYLE)).not.toThrow();
    expect(() => parseVerbArgs(synth, ['--out', 'x', '--frames', '7', '--tr', '2'], CLI_STYLE)).toThrow(/--frames 8 or more/);
    expect(() => parseVerbArgs(synth, ['--out', 'x', '--subjects', '-1'], CLI_STYLE)).toThrow(
      /--subjects must be a whole number >= 2, got -1/
    );
    expect(() => parseVerbArgs(synth, [], MAGIC_STYLE, { out: 'x', frames: 12 })).toThrow(/shorter than one 20-frame clip/);
  });
});

describe('completion', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-complete-'));
    fs.mkdirSync(path.join(dir, 'cohort'));
    fs.mkdirSync(path.join(dir, 'cohort', 'sub-01'));
    fs.writeFileSync(path.join(dir, 'cohort', 'participants.tsv'), '');
    fs.writeFileSync(path.join(dir, 'scan.nii.gz'), '');
    fs.writeFileSync(path.join(dir, '.hidden'), '');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const complete = (text: string) => completeVerbLine(text, [...VERBS, echo], MAGIC_STYLE, dir);

  it('completes verbs, flags and choices from the table', () => {
    expect(complete('vi').matches).toEqual(['view']);
    expect(complete('in').matches).toEqual(['info']);
    expect(complete('view x.nii --fr')).toEqual({ matches: ['--frame'], replace: 4 });
    expect(complete('view x.nii --view ax')).toEqual({ matches: ['axial'], replace: 2 });
    expect(complete('echo d --mode=')).toEqual({ matches: ['a', 'b'], replace: 0 });
  });

  it('completes paths for path-typed positionals and flags; folders only where a folder is wanted', () => {
    expect(complete('view s')).toEqual({ matches: ['scan.nii.gz'], replace: 1 });
    expect(complete('view ').matches).toEqual(['cohort/', 'scan.nii.gz']);
    expect(complete('view x.nii --overlay cohort/p')).toEqual({ matches: ['cohort/participants.tsv'], replace: 8 });
    expect(complete('check co').matches).toEqual(['cohort/']);
    expect(complete('check cohort/').matches).toEqual(['cohort/sub-01/']);
    expect(complete('synth --out c').matches).toEqual(['cohort/']);
    expect(complete('echo cohort --count 3 x').matches).toEqual([]);
    expect(complete('view .h').matches).toEqual(['.hidden']);
  });
});
