/**
 * A small table as a MIME bundle: HTML for JupyterLab, aligned text for terminals and saved
 * notebooks. Magic results (validator reports, metrics) are shown with it.
 */
import { MimeBundle } from '../../verbs/jupyter/wire';

export type Cell = string | number | null;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function cellText(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : c.toPrecision(4);
  return c;
}

/** The table with a caption; numbers print with 4 significant digits. */
export function tableBundle(caption: string, headers: readonly string[], rows: readonly Cell[][]): MimeBundle {
  const text = rows.map(r => r.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map(r => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const plain = [caption, line(headers), line(widths.map(w => '-'.repeat(w))), ...text.map(line)].join('\n');
  const html = [
    `<table class="neurostorm-table"><caption>${escapeHtml(caption)}</caption>`,
    `<thead><tr>${headers.map(h => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...text.map(r => `<tr>${r.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`),
    '</tbody></table>'
  ].join('');
  return { data: { 'text/html': html, 'text/plain': plain }, metadata: {} };
}
