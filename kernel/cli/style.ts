/** How the CLI front end is typed, and the flag it adds to every verb. */
import { FrontEndStyle } from '../verbs';

export const CLI_STYLE: FrontEndStyle = {
  frontEnd: 'cli',
  prefix: 'neurostorm',
  extraFlags: { json: { type: 'boolean', description: 'print the result as JSON' } }
};
