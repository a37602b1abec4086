// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const DRIVERS = ['kafkajs', '@clickhouse/client', '@clickhouse/client-common', 'ioredis', 'chdb', 'chdb/*'];
const DOMAINS = ['connectors', 'pipelines', 'forecasting', 'alerting'];

/** Patterns forbidding imports of the given top-level folders, from any depth.
 * @param {string[]} names */
const folders = (names) => names.flatMap((n) => [`**/${n}/**`, `**/${n}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.js', 'infra/cli/*.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // fastify hooks and handlers are async by convention (a returned value is the reply), awaited or not.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of an enum.' }],
    },
  },
  // Dependency direction: schemas ← infra ← domains ← entry points (infra/cli).
  {
    files: ['schemas/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [...folders(['infra', ...DOMAINS]), ...DRIVERS], message: 'schemas/ depends on nothing.' }] }] },
  },
  {
    files: ['infra/**/*.ts'],
    ignores: ['infra/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [...folders([...DOMAINS, 'cli'])], message: 'infra/ must not depend on domain folders; only the entry points in infra/cli wire them.' }] }] },
  },
  ...DOMAINS.map((domain) => ({
    files: [`${domain}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: DRIVERS, message: 'Domains use the ports in infra/, never a driver.' },
          { group: folders(DOMAINS.filter((d) => d !== domain)), message: 'Domains talk through topics and tables, never by importing each other.' },
          { group: folders(['cli']), message: 'Domains never import entry points.' },
        ],
      }],
    },
  })),
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
