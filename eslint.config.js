// @ts-check
/**
 * ESLint flat config (`npm run lint`): typescript-eslint's recommended rules, plus the type-aware
 * rules that guard this project's standards (a floating promise is an unhandled rejection waiting
 * to crash the server). Formatting is Prettier's job (.prettierrc): nothing here formats, and no
 * rule here conflicts with it (neither recommended set has stylistic rules).
 */
import { fileURLToPath } from 'node:url';
import { includeIgnoreFile } from '@eslint/compat';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Everything the root tsconfig.json type-checks: linted with type information. */
const typedFiles = ['src/**/*.ts', 'machines/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'];

export default tseslint.config(
  // What git ignores is no source: a README program the doc tests are running (test/.doc-*.ts, in
  // no tsconfig, failed every type-aware rule while `npm test` ran beside `npm run lint`), tsc
  // output written next to the sources, vitest and Stryker scratch files.
  includeIgnoreFile(fileURLToPath(new URL('.gitignore', import.meta.url))),
  { ignores: ['docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: typedFiles,
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-aware: a promise nobody awaits or catches is an unhandled rejection waiting to happen.
      // (`void promise` stays the explicit way to say a rejection is handled elsewhere.)
      '@typescript-eslint/no-floating-promises': 'error',
      // Async callbacks passed as arguments are common and intended (event handlers that catch);
      // promises in conditionals or spread into objects are the mistakes worth catching.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // The code base marks type-only imports (`import type`); the layering check
      // (.dependency-cruiser.cjs) relies on it to tell a type from a runtime dependency.
      // `typeof import('node:crypto')` stays allowed: it is how vi.mock types importOriginal.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false }],
      // `_name` marks a deliberately unused binding (e.g. `{ owner: _owner, ...task }` drops a field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests reach into XState's untyped machine config (model-based tests rebuild machine variants).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    // The live view's page script runs in the browser, as a classic script.
    files: ['src/demo/liveView/client.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
);
