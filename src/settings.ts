/**
 * Renderer settings (schema/renderers.json, plugin id `neurostorm-lab:renderers`).
 *
 * MIME renderer extensions cannot request JupyterLab services, so the settings plugin
 * (src/plugin.ts) writes the user's values into the one store the renderer factory was created
 * with (src/index.ts); renderers read `store.current` when they render and listen for changes.
 * Pure module: jest tests it in Node.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/** Plugin id of the renderers; also the id of their settings (schema/renderers.json). */
export const RENDERERS_PLUGIN_ID = 'neurostorm-lab:renderers';

export type PlotThemeSetting = 'auto' | 'light' | 'dark';

export interface RendererSettings {
  /** Colormap of base volumes whose payload names none the viewer knows. */
  defaultColormap: string;
  /** Embedded volume sources larger than this (decoded bytes) are refused with a readable error. */
  maxEmbeddedBytes: number;
  /** `auto` follows the JupyterLab theme. */
  plotTheme: PlotThemeSetting;
}

/** The schema's defaults (test/src/settings.test.ts checks they match schema/renderers.json). */
export const DEFAULT_SETTINGS: Readonly<RendererSettings> = Object.freeze({
  defaultColormap: 'gray',
  maxEmbeddedBytes: 4194304,
  plotTheme: 'auto'
});

/** Smallest accepted `maxEmbeddedBytes` (the schema's minimum). */
const MIN_EMBEDDED_BYTES = 65536;

/**
 * Reads settings from a settings-registry composite. Fields of the wrong type keep their default,
 * so one bad value in a user's overrides does not disable the renderers.
 */
export function parseSettings(composite: unknown): RendererSettings {
  const out: RendererSettings = { ...DEFAULT_SETTINGS };
  if (typeof composite !== 'object' || composite === null) return out;
  const c = composite as Record<string, unknown>;
  if (typeof c.defaultColormap === 'string' && c.defaultColormap.length > 0) out.defaultColormap = c.defaultColormap;
  if (typeof c.maxEmbeddedBytes === 'number' && Number.isInteger(c.maxEmbeddedBytes) && c.maxEmbeddedBytes >= MIN_EMBEDDED_BYTES) {
    out.maxEmbeddedBytes = c.maxEmbeddedBytes;
  }
  if (c.plotTheme === 'auto' || c.plotTheme === 'light' || c.plotTheme === 'dark') out.plotTheme = c.plotTheme;
  return out;
}

/** Holds the current settings and tells listeners when they change. */
export class SettingsStore {
  private value: RendererSettings = { ...DEFAULT_SETTINGS };
  private readonly listeners = new Set<(settings: RendererSettings) => void>();

  get current(): RendererSettings {
    return this.value;
  }

  /** Replaces the settings and notifies every listener. */
  update(settings: RendererSettings): void {
    this.value = { ...settings };
    for (const listener of [...this.listeners]) listener(this.value);
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: (settings: RendererSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Loads the renderers' settings from the registry into `store` and keeps them current. Rejects
 * (leaving the defaults) when the registry refuses the user's settings, e.g. a value the schema
 * does not allow.
 */
export async function connectSettings(registry: Pick<ISettingRegistry, 'load'>, store: SettingsStore): Promise<void> {
  const settings = await registry.load(RENDERERS_PLUGIN_ID);
  store.update(parseSettings(settings.composite));
  settings.changed.connect(() => store.update(parseSettings(settings.composite)));
}
