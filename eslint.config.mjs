// ESLint flat config: typescript-eslint's recommended rules, formatting left to Prettier, and the layer rule
// that keeps `vscode` out of src/core and src/cli (they run under plain Node: tests and the probe CLI).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const noVscode = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'src/core and src/cli run without VS Code: put VS Code glue in src/vscode.' }],
      patterns: [{ group: ['**/vscode/**', '../vscode', '../../vscode'], message: 'src/core and src/cli must not import the VS Code layer.' }],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.sandbox*/', '.tools/', 'test-artifacts/', 'media/*.js', '**/*.d.ts', '../**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['src/core/**/*.ts', 'src/cli/**/*.ts'], rules: noVscode },
  {
    files: ['media/**/*.js', 'webpack.config.js', 'scripts/**/*.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
