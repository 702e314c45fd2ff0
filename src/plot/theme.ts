/**
 * Plot colours that follow JupyterLab's light/dark theme. JupyterLab marks the theme on
 * `<body data-jp-theme-light="true|false">` and exposes its colours as CSS variables; `auto` reads
 * both, `light`/`dark` use fixed palettes so a forced theme does not pick up the other theme's
 * variables. Pure apart from the `readVar` callback, so it is tested in Node.
 */
import type { PlotThemeSetting } from '../settings';
import type { PlotTheme } from './figure-types';

const COLORWAY = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const COLORWAY_DARK = ['#4ea1f3', '#ffa24d', '#5ccf5c', '#ff6b6b', '#b794f4', '#d4a373', '#f78fd0', '#4fd1e0'];

const FIXED: Record<'light' | 'dark', PlotTheme> = {
  light: { mode: 'light', paper: '#ffffff', plot: '#ffffff', font: '#212121', grid: '#e0e0e0', fontFamily: 'system-ui, sans-serif', colorway: COLORWAY },
  dark: { mode: 'dark', paper: '#111111', plot: '#111111', font: '#e0e0e0', grid: '#424242', fontFamily: 'system-ui, sans-serif', colorway: COLORWAY_DARK }
};

/** Which theme applies: the setting, or for `auto` JupyterLab's body attribute (light when absent). */
export function resolveThemeMode(setting: PlotThemeSetting, themeLightAttr: string | undefined): 'light' | 'dark' {
  if (setting !== 'auto') return setting;
  return themeLightAttr === 'false' ? 'dark' : 'light';
}

/**
 * The plot theme. With `auto`, JupyterLab's CSS variables (read through `readVar`, which returns ''
 * for an unset variable) override the fixed palette of the resolved mode.
 */
export function plotTheme(setting: PlotThemeSetting, themeLightAttr: string | undefined, readVar: (name: string) => string): PlotTheme {
  const mode = resolveThemeMode(setting, themeLightAttr);
  const base = FIXED[mode];
  if (setting !== 'auto') return base;
  const pick = (name: string, fallback: string): string => readVar(name).trim() || fallback;
  return {
    ...base,
    paper: pick('--jp-layout-color0', base.paper),
    plot: pick('--jp-layout-color0', base.plot),
    font: pick('--jp-ui-font-color1', base.font),
    grid: pick('--jp-border-color2', base.grid),
    fontFamily: pick('--jp-ui-font-family', base.fontFamily)
  };
}

/** The plot theme of the current document (browser only). */
export function documentPlotTheme(setting: PlotThemeSetting): PlotTheme {
  const style = getComputedStyle(document.body);
  return plotTheme(setting, document.body.dataset.jpThemeLight, name => style.getPropertyValue(name));
}
