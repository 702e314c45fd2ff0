/**
 * Settings plugin of the renderers: loads the `neurostorm-lab:renderers` settings
 * (schema/renderers.json) and keeps `rendererSettings` current. A separate plugin because mime
 * extensions cannot request the settings registry; it is the package's `jupyterlab.extension` entry.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { rendererSettings } from './index';
import { connectSettings, RENDERERS_PLUGIN_ID } from './settings';
import { runsPlugin } from './runs/plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'neurostorm-lab:settings',
  description: 'Applies the NeuroSTORM renderer settings (default colormap, embedded size limit, plot theme).',
  autoStart: true,
  requires: [ISettingRegistry],
  activate: (_app: JupyterFrontEnd, registry: ISettingRegistry): void => {
    connectSettings(registry, rendererSettings).catch(err => {
      // The renderers keep working with the defaults; the console says why the settings did not load.
      console.warn(`neurostorm-lab: settings ${RENDERERS_PLUGIN_ID} not loaded, using defaults:`, err);
    });
  }
};

export default [plugin, runsPlugin];
