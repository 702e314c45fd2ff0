// Flat config: typescript-eslint's recommended rules over kernel/, src/ and test/.
const tseslint = require('typescript-eslint');
module.exports = tseslint.config(
  { ignores: ['lib/**', 'labextension/**', 'node_modules/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `const { kind: _kind, ...rest } = x` is how we drop a field from a copy: the rest sibling is
      // the point, so it and `_`-named bindings do not count as unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }]
    }
  }
);
