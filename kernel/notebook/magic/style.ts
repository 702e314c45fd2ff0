/** How the magic front end is typed, and the flag it adds to every verb (`--as NAME`). */
import { FrontEndStyle } from '../../verbs';

/** `--as NAME`: the cell rewrite declares NAME (kernel/cell-rewrite.ts); the runner checks the name. */
export const MAGIC_STYLE: FrontEndStyle = {
  frontEnd: 'magic',
  prefix: '%neurostorm',
  extraFlags: {
    as: { type: 'string', metavar: 'NAME', description: 'bind the result to the notebook variable NAME' }
  }
};
