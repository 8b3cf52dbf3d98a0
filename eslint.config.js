// ESLint flat config: type-aware rules plus the layer boundaries of docs/architecture.md.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Who may import whom. Each entry: files, and what they must not import. Bare module names are
 * matched exactly (`electron` must not match `../../electron/common/x`); anything with a slash or
 * a glob is a gitignore-style pattern over the import path.
 */
const layer = (files, banned, message) => {
  const bare = banned.filter((b) => !b.includes('/') && !b.includes('*'));
  const patterns = banned.filter((b) => !bare.includes(b));
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: bare.map((name) => ({ name, message })),
          patterns: patterns.length ? [{ group: patterns, message }] : [],
        },
      ],
    },
  };
};

const NODE = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'net', 'crypto', 'url', 'util'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'coverage/**', '*.tmp.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The `builddeck` command is CommonJS (bin/package.json): Node starts it sooner than an ES module.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  // common: the contract. Pure: no Node, no Electron, no DOM-bound code, no other layer.
  layer(
    ['electron/common/**'],
    [
      ...NODE,
      'electron',
      'dockerode',
      'ws',
      '**/core/**',
      '**/adapters/**',
      '**/main/**',
      '**/preload/**',
      '**/serve/**',
      '**/cli/**',
      '**/composition/**',
    ],
    'electron/common imports only itself, zod and smol-toml.',
  ),
  // core: use cases behind ports; never Electron, never a concrete adapter.
  layer(
    ['electron/core/**'],
    [
      'electron',
      'dockerode',
      'ws',
      'node:child_process',
      '**/adapters/**',
      '**/main/**',
      '**/serve/**',
      '**/cli/**',
      '**/composition/**',
    ],
    'electron/core talks to the world only through its ports (core/ports.ts).',
  ),
  layer(
    ['electron/adapters/**'],
    ['electron', '**/main/**', '**/serve/**', '**/cli/**', '**/composition/**'],
    'adapters implement core ports; they never reach the edges.',
  ),
  layer(
    ['electron/serve/**', 'electron/cli/**', 'electron/composition/**'],
    ['electron', '**/main/**', '**/preload/**'],
    'serve, cli and composition run in plain Node: no Electron.',
  ),
  layer(
    ['electron/preload/**'],
    ['**/core/**', '**/adapters/**', '**/composition/**', ...NODE],
    'the preload is a bridge: contract types and electron only.',
  ),
  // renderer: React; talks to the core only through the contract and the one bridge module.
  layer(
    ['renderer/**'],
    [
      ...NODE,
      'electron',
      'dockerode',
      'ws',
      '**/electron/core/**',
      '**/electron/adapters/**',
      '**/electron/main/**',
      '**/electron/preload/**',
      '**/electron/serve/**',
      '**/electron/cli/**',
      '**/electron/composition/**',
    ],
    'the renderer imports only electron/common (the contract) and browser code.',
  ),
  // Pure parts of main stay testable in Node: only index.ts may import electron.
  layer(['electron/main/security-policy.ts'], ['electron'], 'security-policy.ts must stay importable by tests.'),
  // Tests never load electron (the binary is absent on CI).
  layer(['test/**'], ['electron', '**/electron/main/index', '**/electron/preload/**'], 'tests run in plain Node.'),
);
