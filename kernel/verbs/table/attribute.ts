/**
 * `attribute RUN --subject ID`: ns.attributeSubject, integrated gradients (or gradient x input) of
 * the run's prediction for one subject, averaged over the subject's clips, mapped to the MNI 2 mm
 * grid and written as NIfTI (default RUN/attribution/<subject>.nii.gz).
 */
import { attributeSubject } from '../../eval';
import { AttributionResult } from '../results';
import { Verb } from '../verb';
import { DEVICE_FLAG, onDeviceFlag } from './device-flag';

export const ATTRIBUTE_VERB: Verb<AttributionResult> = {
  name: 'attribute',
  summary: "attribution map of a run's prediction for one subject (integrated gradients), as NIfTI on the MNI grid",
  positionals: [{ name: 'RUN', description: 'a finetune run folder', path: 'dir' }],
  flags: {
    subject: { type: 'string', required: true, metavar: 'ID', description: 'the subject (sub-XX) whose prediction is explained' },
    method: {
      type: 'string',
      choices: ['integrated-gradients', 'gradient-x-input'],
      default: 'integrated-gradients',
      description: 'attribution method'
    },
    steps: { type: 'number', integer: true, min: 1, description: 'integration points of integrated gradients (default 64)' },
    output: { type: 'number', integer: true, min: 0, description: "output column explained (default: the task's: the logit, the true class, the value)" },
    out: { type: 'string', path: 'file', metavar: 'FILE.nii.gz', description: 'where to write the map (default RUN/attribution/SUBJECT.nii.gz)' },
    ...DEVICE_FLAG
  },
  takesBody: true,
  call: async ({ positionals, flags }) => {
    const { device, ...a } = await onDeviceFlag(flags, () =>
      attributeSubject(positionals[0], String(flags.subject), {
        method: flags.method as 'integrated-gradients' | 'gradient-x-input',
        steps: flags.steps as number | undefined,
        output: flags.output as number | undefined,
        out: flags.out as string | undefined
      })
    );
    return { kind: 'attribution', run: positionals[0], attribution: a, device };
  }
};
