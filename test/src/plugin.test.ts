import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { connectSettings, RENDERERS_PLUGIN_ID, SettingsStore } from '../../src/settings';

/**
 * The part of a settings registry connectSettings uses: load(id) -> composite + changed signal.
 * (JupyterLab's own registry is ESM-only and does not load in this jest setup; the end-to-end
 * test runs the plugin in a real JupyterLab when the package declares it.)
 */
function fakeRegistry(composite: Record<string, unknown>, refuse = false) {
  const listeners: (() => void)[] = [];
  const settings = {
    composite,
    changed: { connect: (fn: () => void) => void listeners.push(fn) }
  };
  const loaded: string[] = [];
  const registry = {
    load: async (id: string) => {
      loaded.push(id);
      if (refuse) throw new Error(`Validating ${id} failed: /plotTheme must be equal to one of the allowed values`);
      return settings as unknown as ISettingRegistry.ISettings;
    }
  };
  return { registry, loaded, change: (next: Record<string, unknown>) => { settings.composite = next; listeners.forEach(l => l()); } };
}

describe('connectSettings', () => {
  it('loads neurostorm-lab:renderers into the store and follows changes', async () => {
    const fake = fakeRegistry({ plotTheme: 'dark', maxEmbeddedBytes: 1048576, defaultColormap: 'gray' });
    const store = new SettingsStore();
    await connectSettings(fake.registry, store);
    expect(fake.loaded).toEqual([RENDERERS_PLUGIN_ID]);
    expect(store.current).toEqual({ defaultColormap: 'gray', maxEmbeddedBytes: 1048576, plotTheme: 'dark' });
    fake.change({ plotTheme: 'light', maxEmbeddedBytes: 1048576, defaultColormap: 'viridis' });
    expect(store.current).toEqual({ defaultColormap: 'viridis', maxEmbeddedBytes: 1048576, plotTheme: 'light' });
  });

  it('rejects and keeps the defaults when the registry refuses the settings', async () => {
    const store = new SettingsStore();
    await expect(connectSettings(fakeRegistry({}, true).registry, store)).rejects.toThrow('Validating neurostorm-lab:renderers failed');
    expect(store.current.plotTheme).toBe('auto');
  });
});
