// Builds dist/concierge.js: the loader and the whole widget (with its locales) in one minified
// classic script, which the server serves at /concierge.js; and dist/concierge-files.js, the
// file code the widget adds on first use (served at /concierge-files.js). One file means one request, no
// module CORS on other origins, and a size we can hold to a budget (test/size.test.js).
// The sources in src/ stay plain ES modules that run unbuilt.
//   node scripts/build.mjs          (npm run build)
import { build, transform } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUTFILE = path.join(ROOT, 'dist', 'concierge.js');
/** The file code (upload, thumbnails), which the widget loads on first use. */
export const FILES_OUTFILE = path.join(ROOT, 'dist', 'concierge-files.js');

/**
 * esbuild minifies JavaScript but leaves the CSS in styles.js's template literal as written:
 * this plugin minifies that CSS with esbuild's own CSS minifier (about a sixth of the bundle).
 */
const minifiedStyles = {
  name: 'minified-styles',
  setup(b) {
    b.onLoad({ filter: /widget[\\/]styles\.js$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      const match = /export const STYLES = `([^`]*)`;/.exec(source);
      if (!match || match[1].includes('${')) throw new Error('styles.js: STYLES must be one plain template literal');
      const { code } = await transform(match[1], { loader: 'css', minify: true, target: ['chrome111', 'firefox113', 'safari16.2'] });
      const contents = source.replace(match[0], `export const STYLES = ${JSON.stringify(code.trim())};`);
      return { contents, loader: 'js' };
    });
  },
};

export async function buildWidget({ quiet = false } = {}) {
  const main = await bundle(path.join(ROOT, 'src', 'concierge.js'), OUTFILE, quiet);
  const files = await bundle(path.join(ROOT, 'src', 'widget', 'files-entry.js'), FILES_OUTFILE, quiet);
  return { ...main, files };
}

async function bundle(entry, outfile, quiet) {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'iife',
    // Private class fields (#x) and ?? are used as they are: browsers of the last few years.
    target: ['es2022'],
    define: { CONCIERGE_BUNDLED: 'true' },
    legalComments: 'none',
    plugins: [minifiedStyles],
    logLevel: quiet ? 'error' : 'warning',
  });
  const bytes = readFileSync(outfile);
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  if (!quiet) console.log(`dist/${path.basename(outfile)}: ${bytes.length} bytes, ${gzipped} bytes gzipped`);
  return { bytes: bytes.length, gzipped };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWidget();
}
