/**
 * `load PATH`: ns.models.load, official weights (config.json + safetensors folder, or .ckpt/.pth).
 * Loading runs no graph; `--device` is checked now and pins the model's later forwards to it.
 */
import { load } from '../../models';
import type { ProviderName } from '../../runtime/providers';
import { ModelResult, parameterCount } from '../results';
import { Verb } from '../verb';
import { DEVICE_FLAG, onDeviceFlag } from './device-flag';

export const LOAD_VERB: Verb<ModelResult> = {
  name: 'load',
  summary: 'load NeuroSTORM weights (config.json + safetensors folder, or .ckpt/.pth) with ns.models.load',
  positionals: [{ name: 'PATH', description: 'model folder or checkpoint file', path: 'file' }],
  flags: {
    'head-kind': {
      type: 'string',
      choices: ['cls', 'reg'],
      description: 'head of checkpoint output_head.* keys when the file does not say'
    },
    ...DEVICE_FLAG
  },
  takesBody: false,
  call: async ({ positionals, flags }) =>
    onDeviceFlag(flags, async () => {
      const headKind = flags.headKind as 'cls' | 'reg' | undefined;
      const provider = flags.device as ProviderName | 'auto' | undefined;
      const model = await load(positionals[0], { ...(headKind === undefined ? {} : { headKind }), ...(provider === undefined ? {} : { session: { provider } }) });
      return { kind: 'model' as const, source: positionals[0], model, parameters: parameterCount(model) };
    })
};
