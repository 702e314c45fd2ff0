/**
 * The public API: `import * as ns from "neurostorm-lab"` (design.md, "The public API sketch").
 * Each area adds its namespace here: nifti, data, models, train, evaluate, view, plot, runtime.
 */
export * as errors from './errors';
export { NeuroStormError } from './errors';
export * as graph from './graph';
export * as nifti from './nifti';
export * as data from './data';
export * as runtime from './runtime';
export * as models from './models';
export * as train from './train';
export * as cluster from './cluster';
export { embed } from './eval/embed';
export { evaluate, baseline, attribute, attributeSubject } from './eval';
export { packageVersion as version } from './version';
export * as notebook from './notebook';
export { display, view, plot } from './notebook';
