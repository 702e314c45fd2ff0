/** `load PATH`: ns.models.load, official weights (config.json + safetensors folder, or .ckpt/.pth). */
import { load } from '../../models';
import { ModelResult, parameterCount } from '../results';
import { Verb } from '../verb';

export const LOAD_VERB: Verb<ModelResult> = {
  name: 'load',
  summary: 'load NeuroSTORM weights (config.json + safetensors folder, or .ckpt/.pth) with ns.models.load',
  positionals: [{ name: 'PATH', description: 'model folder or checkpoint file', path: 'file' }],
  flags: {
    'head-kind': {
      type: 'string',
      choices: ['cls', 'reg'],
      description: 'head of checkpoint output_head.* keys when the file does not say'
    }
  },
  takesBody: false,
  call: async ({ positionals, flags }) => {
    const headKind = flags.headKind as 'cls' | 'reg' | undefined;
    const model = await load(positionals[0], headKind === undefined ? {} : { headKind });
    return { kind: 'model', source: positionals[0], model, parameters: parameterCount(model) };
  }
};
