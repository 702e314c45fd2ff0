/**
 * Entry of the JupyterLab 4 test frontend. Only an async boundary: shared modules of the module
 * federation scope are ready once bootstrap.ts loads (the pattern of JupyterLab's own build).
 */
void import('./bootstrap');
