/**
 * The standard JupyterLab 4.6 extension packages the test app is assembled from (enough for the
 * file browser, notebooks, kernels and themes), plus ours. toc, lsp and metadataform are left out:
 * they fail to load on jupyter_server 1.23 (shared/notes/jupyter.md).
 */
export const LAB_EXTENSIONS = [
  '@jupyterlab/application-extension',
  '@jupyterlab/apputils-extension',
  '@jupyterlab/codemirror-extension',
  '@jupyterlab/completer-extension',
  '@jupyterlab/console-extension',
  '@jupyterlab/docmanager-extension',
  '@jupyterlab/filebrowser-extension',
  '@jupyterlab/launcher-extension',
  '@jupyterlab/mainmenu-extension',
  '@jupyterlab/notebook-extension',
  '@jupyterlab/rendermime-extension',
  '@jupyterlab/shortcuts-extension',
  '@jupyterlab/statusbar-extension',
  '@jupyterlab/theme-dark-extension',
  '@jupyterlab/theme-light-extension',
  '@jupyterlab/tooltip-extension',
  '@jupyterlab/translation-extension',
  '@jupyterlab/ui-components-extension'
] as const;

/** Theme packages whose CSS the theme manager loads at run time from the themes folder. */
export const THEME_EXTENSIONS = ['@jupyterlab/theme-light-extension', '@jupyterlab/theme-dark-extension'] as const;
