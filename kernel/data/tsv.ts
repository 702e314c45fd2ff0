/**
 * BIDS tabular files (participants.tsv, events.tsv): tab-separated, a header row, "n/a" for
 * missing values. Ragged rows are a DatasetError naming the file and line.
 */
import * as fs from 'fs';
import { DatasetError } from '../errors';

export interface Table {
  columns: string[];
  /** One record per row; missing ("n/a" or empty) cells are null. */
  rows: Record<string, string | null>[];
}

export function parseTsv(text: string, file: string): Table {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter(l => l.trim() !== '');
  if (lines.length === 0) throw new DatasetError('empty table: a header row is required', { file });
  const columns = lines[0].split('\t').map(c => c.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== columns.length) {
      throw new DatasetError(`line ${i + 2} has ${cells.length} cells; the header has ${columns.length}`, {
        file,
        hint: 'BIDS tables are tab-separated; check for spaces used as separators'
      });
    }
    const row: Record<string, string | null> = {};
    columns.forEach((c, k) => {
      const v = cells[k].trim();
      row[c] = v === '' || v === 'n/a' ? null : v;
    });
    return row;
  });
  return { columns, rows };
}

export function readTsv(file: string): Table {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read table: ${(err as Error).message}`, { file, cause: err });
  }
  return parseTsv(text, file);
}
