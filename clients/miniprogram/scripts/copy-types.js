// Copies the generated types beside the compiled declarations that import them (in types/,
// so dist/, which the mini-program's "build npm" copies, holds only code).
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
fs.copyFileSync(path.join(root, 'src/schema.d.ts'), path.join(root, 'types/schema.d.ts'));
