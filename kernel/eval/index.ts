/**
 * `ns.evaluate`, `ns.baseline`, `ns.attribute` and the evaluation building blocks: metrics
 * (metrics.ts), re-identification retrieval (retrieval.ts), subject bootstrap (bootstrap.ts), the
 * FC baseline (baseline.ts) and the run-folder reader (run-folder.ts). See README.md.
 */
export { evaluate } from './evaluate';
export type { Evaluation, EvaluateOptions } from './evaluate';
export { baseline } from './baseline';
export type { BaselineOptions, BaselineResult } from './baseline';
export { attribute, buildAttributionGraph, toMniGrid } from './attribution';
export type { Attribution, AttributionOptions, AttributionMethod } from './attribution';
export { attributeSubject } from './attribute-run';
export type { SubjectAttribution } from './attribute-run';
export { readRunFolder } from './run-folder';
export type { RunFolder } from './run-folder';
export type { MetricValue, TaskType } from './scores';
