// Webpack loader for the test bundles: TypeScript -> ES2022 modules with `typescript.transpileModule`
// (no type check here; `npm run build` type-checks src/). Keeps the bundles free of a ts-loader dependency.
const ts = require('typescript');

module.exports = function transpile(source) {
  const out = ts.transpileModule(source, {
    fileName: this.resourcePath,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      jsx: ts.JsxEmit.React,
      sourceMap: false,
      isolatedModules: true,
      useDefineForClassFields: true
    }
  });
  return out.outputText;
};
