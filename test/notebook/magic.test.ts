import {
  blankMagics,
  prepareCell,
  rewriteMagics,
  placeholderAt,
  magicBeforeCursor
} from '../../kernel/notebook/kernel/cell-rewrite';
import { expandShorthandProperties } from '../../kernel/notebook/kernel/shorthand-fix';

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

  it('interpolates simple expressions, not JSON or numbers in braces, and locates each placeholder', () => {
    expect(rewriteMagics('%neurostorm synth out --subjects {nsubj + 1} --meta {"a": 1}')).toBe(
      'await require("neurostorm-lab").notebook.runMagic(`synth out --subjects ${nsubj + 1} --meta {"a": 1}`);'
    );
    const code = 'let x = 1;\n  %neurostorm view {dir}/a.nii --title {name + (n + 1)}';
    const line = rewriteMagics(code).split('\n')[1];
    const at = (needle: string) => line.indexOf(needle) + 1;
    expect(placeholderAt(code, 2, at('dir'))?.written).toBe('{dir}');
    expect(placeholderAt(code, 2, at('n + 1)'))?.written).toBe('{name + (n + 1)}');
    expect(placeholderAt(code, 2, at('view'))).toBeNull();
    expect(placeholderAt(code, 1, 5)).toBeNull();
  });

  it('gives a magic\'s value to a declaration: --as NAME, or `const NAME = %neurostorm ...`', () => {
    const call = 'await require("neurostorm-lab").notebook.runMagic(';
    expect(rewriteMagics('%neurostorm load demo --as model')).toBe(`const model = ${call}\`load demo --as model\`);`);
    expect(rewriteMagics('  let m = %neurostorm load {dir}')).toBe(`  let m = ${call}\`load \${dir}\`);`);
    expect(rewriteMagics('const note = "%neurostorm load x"')).toBe('const note = "%neurostorm load x"');
    expect(blankMagics('const m = %neurostorm load x\nm')).toBe('                            \nm');
    expect(magicBeforeCursor('const m = %neurostorm lo', 24)).toEqual({ text: 'lo', lineStart: 0 });
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
