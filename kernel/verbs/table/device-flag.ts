/**
 * `--device auto|cpu|webgpu|cuda`, one schema for every verb that runs model graphs (pretrain and
 * finetune through TRAIN_FLAGS, embed, attribute, load). The verb's call runs inside
 * ns.runtime.onDevice: the device is checked before any work (a provider that does not run here is
 * a RuntimeProviderError naming --device, never a quiet CPU run), and the result records what was
 * asked and which providers actually ran.
 */
import { DEVICE_NAMES, DeviceName, DeviceRecord, onDevice } from '../../runtime/device';
import { FlagSchema, FlagValue } from '../flags';

export const DEVICE_FLAG: FlagSchema = {
  device: {
    type: 'string',
    choices: DEVICE_NAMES,
    description:
      'execution provider of the model graphs (default: ns.runtime.device(), else $NEUROSTORM_PROVIDER, else auto: cuda, then webgpu on a hardware adapter, then cpu); one that does not run here is an error'
  }
};

/** Runs a verb's work on the `--device` of its flags; the result gains `device` (asked, resolved, ran). */
export async function onDeviceFlag<T extends object>(flags: Record<string, FlagValue>, call: () => Promise<T>): Promise<T & { device: DeviceRecord }> {
  const name = flags.device === undefined ? undefined : (String(flags.device) as DeviceName);
  const { value, device } = await onDevice(name, call, '--device');
  return { ...value, device };
}

/** A device record as one line, e.g. "device: webgpu (--device webgpu); ran on webgpu". */
export function formatDeviceRecord(d: DeviceRecord): string {
  const asked = d.source === 'auto' ? 'auto' : d.source === 'scope' ? `--device ${d.requested}` : d.source === 'env' ? `NEUROSTORM_PROVIDER=${d.requested}` : d.source === 'default' ? `ns.runtime.device('${d.requested}')` : d.requested;
  const ran = d.ran.length ? `ran on ${d.ran.join(', ')}` : 'no model graph ran yet';
  return `device   ${d.provider} (${asked}); ${ran}`;
}
