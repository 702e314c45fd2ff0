import { runMagic, splitMagicLine, completeMagic } from '../../kernel/notebook/magic';
import { magicHelp } from '../../kernel/notebook/magic-help';
import { MAGIC_VERBS } from '../../kernel/notebook/magic-table';
import { MagicContext, MagicVerb } from '../../kernel/notebook/magic-verb';
import {
  blankMagics,
  prepareCell,
  rewriteMagics,
  magicBeforeCursor
} from '../../kernel/notebook/kernel/cell-rewrite';
import { UsageError } from '../../kernel/errors';
import { expandShorthandProperties } from '../../kernel/notebook/kernel/shorthand-fix';

/** A verb that returns what it was called with, to see parsing and merging. */
const echo: MagicVerb = {
  verb: 'echo',
  summary: 'returns its options',
  usage: '%neurostorm echo [ARGS] [--count N] [--name TEXT] [--tag T] [--loud]',
  flags: {
    count: { type: 'number', description: 'a number', default: 1 },
    name: { type: 'string', description: 'a name' },
    tag: { type: 'list', description: 'tags' },
    loud: { type: 'boolean', description: 'a switch' }
  },
  takesConfig: true,
  run: async (ctx: MagicContext) => ({
    positionals: ctx.positionals,
    options: ctx.options,
    config: ctx.config
  })
};
const VERBS = [...MAGIC_VERBS, echo];

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
  it('parses flags with the CLI parser and passes positionals', async () => {
    const out = (await runMagic('echo a b --count 3 --tag x --tag y,z --loud', undefined, VERBS)) as {
      positionals: string[];
      options: Record<string, unknown>;
    };
    expect(out.positionals).toEqual(['a', 'b']);
    expect(out.options).toEqual({ count: 3, tag: ['x', 'y', 'z'], loud: true });
  });

  it('lets a cell body override defaults and the line override the body', async () => {
    const body = 'count: 7\nname: from body\ntag: single\n';
    const fromBody = (await runMagic('echo', body, VERBS)) as { options: Record<string, unknown> };
    expect(fromBody.options).toEqual({ count: 7, name: 'from body', tag: ['single'] });
    const fromLine = (await runMagic('echo --name line', '{"count": 2, "name": "json body"}', VERBS)) as {
      options: Record<string, unknown>;
    };
    expect(fromLine.options).toEqual({ count: 2, name: 'line' });
  });

  it('gives short UsageErrors with the usage line for unknown verbs, bad flags and bad bodies', async () => {
    await expect(runMagic('frob', undefined, VERBS)).rejects.toThrow(
      /unknown verb "frob".*verbs: help, info, synth, load, view, echo/
    );
    await expect(runMagic('echo --colour red', undefined, VERBS)).rejects.toThrow(
      /unknown flag --colour.*usage: %neurostorm echo/
    );
    await expect(runMagic('echo --count many', undefined, VERBS)).rejects.toThrow(
      /--count takes a number, got "many"/
    );
    await expect(runMagic('echo', 'colour: red', VERBS)).rejects.toThrow(/unknown option "colour"/);
    await expect(runMagic('echo', 'count: many', VERBS)).rejects.toThrow(/option "count" takes a number/);
    await expect(runMagic('echo', '- a list', VERBS)).rejects.toThrow(/must be a mapping/);
    await expect(runMagic('echo', 'a: [unclosed', VERBS)).rejects.toThrow(/not valid YAML/);
    await expect(runMagic('info', 'x: 1', VERBS)).rejects.toThrow(/takes no cell body/);
    await expect(runMagic('', undefined, VERBS)).rejects.toThrow(/no verb given/);
  });

  it('generates help from the table, so a new verb documents itself', () => {
    const all = magicHelp(VERBS);
    for (const v of VERBS)
      expect(all).toMatch(new RegExp(`\\n  ${v.verb}\\s+${v.summary.slice(0, 20).replace(/[()`]/g, '.')}`));
    const one = magicHelp(VERBS, 'echo');
    expect(one).toMatch(/^usage: %neurostorm echo/);
    expect(one).toMatch(/--count N\s+a number \(default: 1\)/);
    expect(one).toMatch(/YAML\/JSON body/);
    expect(() => magicHelp(VERBS, 'nope')).toThrow(/unknown verb "nope"/);
  });

  it("completes verbs, then the verb's flags", () => {
    expect(completeMagic('vi').matches).toEqual(['view']);
    expect(completeMagic('view x.nii --fr')).toEqual({ matches: ['--frame'], replace: 4 });
    expect(completeMagic('view x.nii').matches).toEqual([]);
  });
});

describe('cell rewriting', () => {
  it('turns magic lines into one awaited API call each, keeping line numbers', () => {
    const cell = 'const a = 1;\n  %neurostorm view x.nii --frame {a}\n%neurostorm help\nconsole.log(a)';
    const out = rewriteMagics(cell);
    expect(out.split('\n')).toHaveLength(4);
    expect(out.split('\n')[1]).toBe(
      '  await require("neurostorm-lab").notebook.runMagic(`view x.nii --frame ${a}`);'
    );
    expect(out.split('\n')[2]).toBe('await require("neurostorm-lab").notebook.runMagic(`help`);');
    expect(out.split('\n')[3]).toBe('console.log(a)');
  });

  it('interpolates {name} and ${name}, escapes other template-literal syntax, leaves other braces alone', () => {
    expect(rewriteMagics('%neurostorm echo `x` ${y} {z.w} $ {1}')).toBe(
      'await require("neurostorm-lab").notebook.runMagic(`echo \\`x\\` ${y} ${z.w} \\$ {1}`);'
    );
  });

  it('passes a %%neurostorm body as a string and blanks its lines', () => {
    const out = rewriteMagics('%%neurostorm view x.nii\ncolormap: hot\nframe: 2');
    expect(out).toBe(
      'await require("neurostorm-lab").notebook.runMagic(`view x.nii`, "colormap: hot\\nframe: 2");\n\n'
    );
  });

  it('gives a top-level for-await loop the async wrapper tslab would miss', () => {
    expect(prepareCell('for await (const x of xs) {}')).toBe('await null; for await (const x of xs) {}');
    expect(prepareCell('const platform = 1')).toBe('const platform = 1');
  });

  it('blanks magics for completion without moving offsets, and finds the magic under the cursor', () => {
    const cell = 'let x = 1\n%neurostorm vi\nx.toFi';
    expect(blankMagics(cell)).toBe('let x = 1\n              \nx.toFi');
    expect(magicBeforeCursor(cell, 24)).toEqual({ text: 'vi', lineStart: 10 });
    expect(magicBeforeCursor(cell, cell.length)).toBeNull();
  });
});

describe('shorthand properties (tslab workaround)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('@tslab/typescript-for-tslab') as typeof import('@tslab/typescript-for-tslab');

  it('writes `{ a }` out as `{ a: a }` in object literals, leaving destructuring declarations alone', () => {
    expect(expandShorthandProperties('f({ seed, n: 2 }, { x })', ts)).toBe(
      'f({ seed: seed, n: 2 }, { x: x })'
    );
    expect(expandShorthandProperties('const { a, b } = obj;\nconst o = { a }', ts)).toBe(
      'const { a, b } = obj;\nconst o = { a: a }'
    );
    expect(expandShorthandProperties('const s = "{ a }";', ts)).toBe('const s = "{ a }";');
  });
});
