// Copies the generated types beside the compiled declarations that import them.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
fs.copyFileSync(path.join(root, 'src/schema.d.ts'), path.join(root, 'dist/schema.d.ts'));
