/**
 * `view PATH`: a NIfTI volume with optional layers, shown by ns.view (mid-slices as PNG, the
 * interactive viewer in JupyterLab). A notebook verb: the result says what to show, the notebook
 * front end shows it.
 */
import { checkAtlasFlag } from '../atlas-flag';
import { VolumeResult } from '../results';
import { Verb } from '../verb';

const VIEWS = ['multiplanar', 'axial', 'coronal', 'sagittal', 'render'] as const;

export const VIEW_VERB: Verb<VolumeResult> = {
  name: 'view',
  summary: 'show a NIfTI volume (mid-slices, interactive viewer in JupyterLab), optionally with layers over it',
  positionals: [{ name: 'PATH', description: 'NIfTI volume (3D or 4D)', path: 'file' }],
  flags: {
    frame: { type: 'number', integer: true, min: 0, description: 'frame of a 4D image shown first', default: 0 },
    colormap: { type: 'string', description: 'colormap of the base image', default: 'gray' },
    title: { type: 'string', description: 'title (default: the file name)' },
    mask: { type: 'list', path: 'file', description: 'mask image(s) drawn over the base' },
    atlas: { type: 'list', path: 'file', description: 'atlas image(s) drawn over the base, one colour per label' },
    overlay: { type: 'list', path: 'file', description: 'statistical map(s) drawn over the base' },
    view: { type: 'string', choices: VIEWS, description: 'the view shown first', default: 'multiplanar' },
    'max-embedded-bytes': {
      type: 'number',
      integer: true,
      min: 0,
      description: 'embed volumes up to this size, reference larger ones by path'
    }
  },
  frontEnds: ['magic'],
  takesBody: true,
  call: async ({ positionals, flags }) => {
    const paths = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    for (const atlas of paths(flags.atlas)) await checkAtlasFlag('atlas', atlas);
    return {
      kind: 'volume',
      image: positionals[0],
      frame: flags.frame as number,
      colormap: String(flags.colormap),
      title: flags.title === undefined ? undefined : String(flags.title),
      view: VIEWS.find(v => v === flags.view) ?? 'multiplanar',
      maxEmbeddedBytes: flags.maxEmbeddedBytes as number | undefined,
      layers: [
        ...paths(flags.mask).map(image => ({ image, role: 'mask' as const })),
        ...paths(flags.atlas).map(image => ({ image, role: 'atlas' as const })),
        ...paths(flags.overlay).map(image => ({ image, role: 'overlay' as const }))
      ]
    };
  }
};
