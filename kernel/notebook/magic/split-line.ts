/** Splitting a `%neurostorm` line into words, as a shell would. */
import { UsageError } from '../../errors';

/** Splits a magic line into words: whitespace separates, '...' and "..." group, \ escapes. */
export function splitMagicLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote)
    throw new UsageError(`unterminated ${quote} quote in "%neurostorm ${line}"`, {
      hint: 'usage: %neurostorm <verb> [flags]; %neurostorm help lists the verbs'
    });
  if (inWord) words.push(word);
  return words;
}
