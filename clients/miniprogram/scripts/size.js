// Fails when the package's code, bundled and minified as a mini-program would ship it, is
// 20 KB or more.
const path = require('path');
const esbuild = require('esbuild');

const LIMIT = 20 * 1024;
const result = esbuild.buildSync({
  entryPoints: [path.join(__dirname, '../dist/index.js')],
  bundle: true,
  minify: true,
  format: 'cjs',
  target: 'es2017',
  platform: 'neutral',
  write: false,
});
const bytes = result.outputFiles[0].contents.length;
console.log(`wxbase-miniprogram: ${bytes} bytes minified (limit ${LIMIT})`);
if (bytes >= LIMIT) {
  console.error('the package is over its size limit');
  process.exit(1);
}
