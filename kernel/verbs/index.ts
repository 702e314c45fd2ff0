/**
 * The verbs: one table from which the `neurostorm` CLI and the `%neurostorm` magics are generated
 * (usage, help, completion, argument checks), each verb a typed call into the API.
 */
export { VERBS } from './table';
export type { Verb, VerbInput, VerbContext, PositionalSpec, FrontEnd } from './verb';
export { findVerb, nameIn, offeredBy } from './verb';
export * from './results';
export * from './describe';
export * from './describe-jobs';
export { parseFlags, formatFlagHelp, checkFlagValue } from './flags';
export type { FlagSchema, FlagSpec, FlagType, FlagValue, ParsedFlags } from './flags';
export { parseVerbArgs, parseBody } from './args';
export { usageLine, helpText, verbHelp, generalUsage, unknownVerb } from './usage';
export type { FrontEndStyle } from './usage';
export { completeVerbLine, completePath } from './complete';
export type { Completion } from './complete';
