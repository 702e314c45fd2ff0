import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_SETTINGS, parseSettings, SettingsStore } from '../../src/settings';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schema/renderers.json'), 'utf8')) as {
  additionalProperties: boolean;
  properties: Record<string, { default: unknown }>;
};

describe('renderer settings', () => {
  it('defaults match schema/renderers.json, field for field', () => {
    expect(schema.additionalProperties).toBe(false);
    const defaults = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, v.default]));
    expect(defaults).toEqual({ ...DEFAULT_SETTINGS });
  });

  it('parses a composite and keeps defaults for wrong values', () => {
    expect(parseSettings({ defaultColormap: 'viridis', maxEmbeddedBytes: 1 << 20, plotTheme: 'dark' })).toEqual({ defaultColormap: 'viridis', maxEmbeddedBytes: 1 << 20, plotTheme: 'dark' });
    expect(parseSettings({ defaultColormap: '', maxEmbeddedBytes: 10, plotTheme: 'neon' })).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('notifies subscribers until they unsubscribe', () => {
    const store = new SettingsStore();
    const seen: string[] = [];
    const off = store.subscribe(s => seen.push(s.plotTheme));
    store.update({ ...DEFAULT_SETTINGS, plotTheme: 'dark' });
    off();
    store.update({ ...DEFAULT_SETTINGS, plotTheme: 'light' });
    expect(seen).toEqual(['dark']);
    expect(store.current.plotTheme).toBe('light');
  });
});
