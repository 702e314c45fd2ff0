import { formatFlagHelp, parseFlags, FlagSchema } from '../../kernel/verbs/flags';
import { UsageError } from '../../kernel/errors';

const schema: FlagSchema = {
  'out-dir': { type: 'string', description: 'where to write', alias: 'o' },
  subjects: { type: 'number', description: 'how many', default: 8 },
  verbose: { type: 'boolean', description: 'talk more' },
  param: { type: 'list', description: 'key=value', alias: 'p' },
  seed: { type: 'number', description: 'seed', required: true }
};

describe('parseFlags', () => {
  it('parses every form into camelCase keys with defaults', () => {
    const r = parseFlags(['data', '--out-dir=x', '-p', 'a=1', '--param', 'b=2,c=3', '--verbose', '--seed', '-5'], schema, 'u');
    expect(r.positionals).toEqual(['data']);
    expect(r.flags).toEqual({ outDir: 'x', param: ['a=1', 'b=2', 'c=3'], verbose: true, seed: -5, subjects: 8 });
  });

  it('negates booleans with --no-', () => {
    expect(parseFlags(['--no-verbose', '--seed', '1'], schema, 'u').flags.verbose).toBe(false);
  });

  it.each([
    [['--bogus', '1', '--seed', '1'], /unknown flag --bogus/],
    [['--seed'], /--seed needs a value/],
    [['--seed', 'abc'], /--seed takes a number, got "abc"/],
    [[], /--seed is required/],
    [['-z', '--seed', '1'], /unknown flag -z/],
    [['--verbose=maybe', '--seed', '1'], /--verbose takes true or false/]
  ])('rejects %j with a UsageError', (argv, message) => {
    expect(() => parseFlags(argv, schema, 'usage: x')).toThrow(UsageError);
    expect(() => parseFlags(argv, schema, 'usage: x')).toThrow(message);
  });

  it('formats aligned help with defaults and required marks', () => {
    const help = formatFlagHelp(schema);
    expect(help).toContain('--out-dir, -o VALUE');
    expect(help).toContain('how many (default: 8)');
    expect(help).toContain('seed (required)');
  });

  it('refuses values outside a flag\'s limits with the flag named', () => {
    const limited: FlagSchema = {
      subjects: { type: 'number', integer: true, min: 2, description: 'participants' },
      ratio: { type: 'number', min: 0, max: 1, description: 'a fraction' },
      mode: { type: 'string', choices: ['tpt', 'full', 'probe'], description: 'adaptation' },
      task: { type: 'string', choices: ['sex'], pattern: { regex: /^phenotype:\S+$/, describe: 'phenotype:COLUMN' }, description: 't' }
    };
    const parse = (argv: string[]) => parseFlags(argv, limited, 'usage: x').flags;
    expect(() => parse(['--subjects', '-1'])).toThrow(/--subjects must be a whole number >= 2, got -1/);
    expect(() => parse(['--subjects', '2.5'])).toThrow(UsageError);
    expect(() => parse(['--ratio', '1.5'])).toThrow(/--ratio must be a number from 0 to 1, got 1.5/);
    expect(() => parse(['--mode', 'tp'])).toThrow(/--mode must be one of tpt, full, probe, got "tp"/);
    expect(() => parse(['--task', 'age'])).toThrow(/one of sex, phenotype:COLUMN/);
    expect(parse(['--subjects', '2', '--ratio', '0', '--mode', 'probe', '--task', 'phenotype:iq'])).toEqual({
      subjects: 2,
      ratio: 0,
      mode: 'probe',
      task: 'phenotype:iq'
    });
    expect(formatFlagHelp(limited)).toMatch(/--subjects N\s+participants \(a whole number >= 2\)/);
    expect(formatFlagHelp(limited)).toContain('--mode tpt|full|probe');
  });
});
