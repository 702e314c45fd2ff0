// Flat config: typescript-eslint's recommended rules over kernel/, src/ and test/.
const tseslint = require('typescript-eslint');
module.exports = tseslint.config(
  { ignores: ['lib/**', 'labextension/**', 'node_modules/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  }
);
