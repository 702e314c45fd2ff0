/** The `%neurostorm` magics: a front end generated from THE verb table (kernel/verbs). */
export { runMagic, magicValueBundle } from './run-magic';
export { splitMagicLine } from './split-line';
export { magicHelp, completeMagic, isMagicVerb } from './help';
export { presentInNotebook } from './present';
export type { Presented } from './present';
export { MAGIC_STYLE } from './style';
export { tableBundle } from './table-bundle';
