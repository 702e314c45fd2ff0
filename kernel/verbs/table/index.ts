/**
 * THE verb table: verb -> API call -> flag schema (design.md, "The public API sketch"). The
 * `neurostorm` CLI and the `%neurostorm` magics, their help and their completion are all generated
 * from it; adding a verb is one entry here.
 */
import { Verb } from '../verb';
import { HELP_VERB } from './help';
import { DOCTOR_VERB } from './doctor';
import { INSTALL_VERB, UNINSTALL_VERB } from './install';
import { RUN_VERB } from './run';
import { LAB_VERB } from './lab';
import { SYNTH_VERB } from './synth';
import { CHECK_VERB } from './check';
import { LOAD_VERB } from './load';
import { VIEW_VERB } from './view';
import { PREPROCESS_VERB } from './preprocess';
import { PRETRAIN_VERB } from './pretrain';
import { FINETUNE_VERB } from './finetune';
import { EVALUATE_VERB } from './evaluate';
import { BASELINE_VERB } from './baseline';
import { EMBED_VERB } from './embed';
import { ATTRIBUTE_VERB } from './attribute';
import { JOBS_VERB } from './jobs';

export const VERBS: readonly Verb[] = [
  HELP_VERB,
  DOCTOR_VERB,
  INSTALL_VERB,
  UNINSTALL_VERB,
  RUN_VERB,
  LAB_VERB,
  SYNTH_VERB,
  CHECK_VERB,
  LOAD_VERB,
  VIEW_VERB,
  PREPROCESS_VERB,
  PRETRAIN_VERB,
  FINETUNE_VERB,
  EVALUATE_VERB,
  BASELINE_VERB,
  EMBED_VERB,
  ATTRIBUTE_VERB,
  JOBS_VERB
];
