// Lets a child process (node -r ./test/train/ts-register.js script.ts) require the TypeScript sources
// directly, transpiled per file as ts-jest does with isolatedModules: the kill -9 resume test runs a
// finetune in a real child process without building lib/ first.
const fs = require('fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, file) => {
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false }
  });
  module._compile(out.outputText, file);
};
