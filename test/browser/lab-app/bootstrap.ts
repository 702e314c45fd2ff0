/**
 * Starts the JupyterLab test frontend the way JupyterLab's own build does: the bundled standard
 * extensions, then every prebuilt (federated) extension the server lists in the page config, such
 * as neurostorm-lab as `neurostorm install` put it into a labextensions folder.
 */
import { JupyterLab, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import './styles';

type Plugins = JupyterFrontEndPlugin<unknown> | JupyterFrontEndPlugin<unknown>[];
type PluginModule = { default: Plugins };

/** A prebuilt extension as jupyterlab_server lists it (`federated_extensions` of the page config). */
interface FederatedExtension {
  name: string;
  load: string;
  extension?: string;
  mimeExtension?: string;
  style?: string;
}

interface Container {
  init(scope: unknown): Promise<void>;
  get(module: string): Promise<() => unknown>;
}

/**
 * Plugins of the bundled packages whose required services come from packages left out (search,
 * toc, lsp, metadataform, file editor); JupyterLab would log a failed activation for each.
 */
const LEFT_OUT = new Set([
  '@jupyterlab/notebook-extension:search',
  '@jupyterlab/notebook-extension:toc',
  '@jupyterlab/notebook-extension:language-server',
  '@jupyterlab/notebook-extension:update-raw-mimetype',
  '@jupyterlab/tooltip-extension:files'
]);

declare const __webpack_init_sharing__: (scope: string) => Promise<void>;
declare const __webpack_share_scopes__: { default: unknown };

function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

/** Loads a prebuilt extension's remoteEntry and joins it to our share scope. */
async function loadFederated(ext: FederatedExtension): Promise<Container> {
  await loadScript(URLExt.join(PageConfig.getOption('fullLabextensionsUrl'), ext.name, ext.load));
  await __webpack_init_sharing__('default');
  const container = (window as unknown as { _JUPYTERLAB: Record<string, Container> })._JUPYTERLAB[ext.name];
  await container.init(__webpack_share_scopes__.default);
  return container;
}

async function main(): Promise<void> {
  const modules: PluginModule[] = await Promise.all([
    import('@jupyterlab/application-extension'),
    import('@jupyterlab/apputils-extension'),
    import('@jupyterlab/codemirror-extension'),
    import('@jupyterlab/completer-extension'),
    import('@jupyterlab/console-extension'),
    import('@jupyterlab/docmanager-extension'),
    import('@jupyterlab/filebrowser-extension'),
    import('@jupyterlab/launcher-extension'),
    import('@jupyterlab/mainmenu-extension'),
    import('@jupyterlab/notebook-extension'),
    import('@jupyterlab/rendermime-extension'),
    import('@jupyterlab/shortcuts-extension'),
    import('@jupyterlab/statusbar-extension'),
    import('@jupyterlab/theme-dark-extension'),
    import('@jupyterlab/theme-light-extension'),
    import('@jupyterlab/tooltip-extension'),
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension')
  ] as Promise<PluginModule>[]);
  const plugins = modules.flatMap(m => (Array.isArray(m.default) ? m.default : [m.default])).filter(p => !LEFT_OUT.has(p.id));
  const mimeExtensions: IRenderMime.IExtensionModule[] = [];
  const federated = JSON.parse(PageConfig.getOption('federated_extensions') || '[]') as FederatedExtension[];
  const loaded: string[] = [];
  for (const ext of federated) {
    const container = await loadFederated(ext);
    if (ext.style) await (await container.get('./style'))();
    if (ext.mimeExtension) mimeExtensions.push((await container.get('./mimeExtension'))() as IRenderMime.IExtensionModule);
    if (ext.extension) {
      const mod = (await container.get('./extension'))() as PluginModule;
      plugins.push(...(Array.isArray(mod.default) ? mod.default : [mod.default]));
    }
    loaded.push(ext.name);
  }
  const lab = new JupyterLab({ mimeExtensions });
  lab.registerPlugins(plugins);
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = lab;
  document.body.dataset.federated = loaded.join(',');
  document.body.dataset.labRestored = 'true';
}

main().catch(err => {
  document.body.dataset.labError = String(err);
  console.error('NeuroSTORM test lab failed to start', err);
});
