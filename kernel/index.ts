/**
 * The public API: `import * as ns from "neurostorm-lab"` (design.md, "The public API sketch").
 * Each area adds its namespace here: nifti, data, models, train, evaluate, view, plot, runtime.
 */
export * as errors from './errors';
export { NeuroStormError } from './errors';
export * as runtime from './runtime';
export { packageVersion as version } from './version';
