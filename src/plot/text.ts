/**
 * Plotly renders a subset of HTML in every text field (titles, axis titles, trace names, hover
 * text): `<a href>`, `<b>`, `<span style>`, and decodes entities. Payload text must show as typed,
 * so `&`, `<` and `>` become entities: plotly then finds no tag and shows the literal characters
 * (issue 8: nothing in a payload is inserted as markup).
 */
export function escapePlotText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Formats a metric for a label: 3 significant decimals, no trailing noise. */
export function formatStat(value: number, digits = 3): string {
  return value.toFixed(digits);
}
