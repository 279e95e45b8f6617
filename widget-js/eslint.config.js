// ESLint (flat config): the recommended rules, no type checking. `npm run lint` runs it alone;
// `npm test` runs it before the tests.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    rules: {
      // `const { conversationId, ...moved } = frame` is how a copy without a key is made.
      'no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // The widget and the agent console run in the browser.
    files: ['src/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Unit tests (src/**/*.test.js), the browser tests (test/: they drive chromium from node),
    // the build script and this file run in node.
    files: ['src/**/*.test.js', 'test/**/*.{js,mjs}', 'scripts/**/*.{js,mjs}', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
];
