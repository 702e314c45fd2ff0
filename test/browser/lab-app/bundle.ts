/**
 * Builds the JupyterLab test frontend (webpack, cached by content hash like the renderer page):
 * static/ (the bundle), templates/index.html, schemas/ (settings schemas of every bundled extension
 * and ours) and themes/ (light and dark theme CSS), the folders jupyterlab_server serves.
 */
import * as fs from 'fs';
import * as path from 'path';
import webpack from 'webpack';
import { buildBundle, commonRules, REPO_ROOT } from '../support/bundle';
import { sharedModules } from './shared';
import { LAB_EXTENSIONS, THEME_EXTENSIONS } from './extensions';

const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] }));

/** Copies `pkg`'s settings schemas to schemas/<pkg>/ with its package.json as package.json.orig. */
function copySchemas(pkg: string, fromDir: string, schemasDir: string): void {
  const meta = JSON.parse(fs.readFileSync(path.join(fromDir, 'package.json'), 'utf8')) as { jupyterlab?: { schemaDir?: string } };
  const schemaDir = meta.jupyterlab?.schemaDir;
  if (!schemaDir) return;
  const out = path.join(schemasDir, pkg);
  fs.mkdirSync(out, { recursive: true });
  for (const file of fs.readdirSync(path.join(fromDir, schemaDir))) {
    if (file.endsWith('.json')) fs.copyFileSync(path.join(fromDir, schemaDir, file), path.join(out, file));
  }
  fs.copyFileSync(path.join(fromDir, 'package.json'), path.join(out, 'package.json.orig'));
}

/** Theme CSS as the theme manager loads it: variables then theme rules, in one file. */
function writeTheme(pkg: string, themesDir: string): void {
  const style = path.join(packageDir(pkg), 'style');
  const variables = fs.readFileSync(path.join(style, 'variables.css'), 'utf8');
  const theme = fs.readFileSync(path.join(style, 'theme.css'), 'utf8').replace(/@import\s+['"]\.\/variables\.css['"];/, '');
  const out = path.join(themesDir, pkg);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'index.css'), `${variables}\n${theme}`);
}

/**
 * npm leaves two copies of the web components (0.16 at the top, 0.17 under @jupyterlab/ui-components);
 * two copies register the same FAST design tokens and recurse until the stack overflows. JupyterLab's
 * own build has one (yarn resolutions); here every import goes to the copy ui-components uses.
 */
function webComponentAliases(): Record<string, string> {
  const ui = packageDir('@jupyterlab/ui-components');
  const out: Record<string, string> = {};
  for (const name of ['@jupyter/web-components', '@jupyter/react-components']) {
    out[`${name}$`] = require.resolve(name, { paths: [ui] });
  }
  return out;
}

export function buildLabApp(): Promise<{ dir: string; cached: boolean }> {
  return buildBundle({
    name: 'lab-app',
    // Our extension is not in this bundle: the server loads its prebuilt labextension.
    inputs: [__dirname],
    config: outDir => ({
      mode: 'development',
      devtool: false,
      entry: { main: path.join(__dirname, 'index.ts') },
      output: { path: path.join(outDir, 'static'), filename: '[name].js', chunkFilename: '[name].[contenthash].js', publicPath: 'auto' },
      resolve: {
        extensions: ['.ts', '.js'],
        alias: webComponentAliases(),
        fallback: { url: false, buffer: false, crypto: false, path: require.resolve('path-browserify'), process: require.resolve('process/browser') }
      },
      module: { rules: commonRules() },
      plugins: [
        new webpack.ProvidePlugin({ process: 'process/browser' }),
        // The share scope prebuilt extensions join (their core imports are `import: false`).
        new webpack.container.ModuleFederationPlugin({
          library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
          name: 'CORE_FEDERATION',
          shared: sharedModules()
        })
      ],
      // Our package.json marks only style/ as having side effects; the test entries import styles too.
      optimization: { sideEffects: false },
      performance: { hints: false },
      infrastructureLogging: { level: 'error' },
      stats: 'errors-only'
    }),
    after: outDir => {
      fs.mkdirSync(path.join(outDir, 'templates'), { recursive: true });
      fs.copyFileSync(path.join(__dirname, 'index.html'), path.join(outDir, 'templates/index.html'));
      const schemas = path.join(outDir, 'schemas');
      for (const pkg of LAB_EXTENSIONS) copySchemas(pkg, packageDir(pkg), schemas);
      for (const pkg of THEME_EXTENSIONS) writeTheme(pkg, path.join(outDir, 'themes'));
      // No news poll from the test (nothing outside 127.0.0.1 is reachable, and its toast covers outputs).
      fs.mkdirSync(path.join(outDir, 'settings'), { recursive: true });
      fs.writeFileSync(path.join(outDir, 'settings/overrides.json'), JSON.stringify({ '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false } }));
    }
  });
}
