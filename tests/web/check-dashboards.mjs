// Type-checks every dashboard in deploy/grafana/dashboards/ against Grafana's published dashboard
// types (@grafana/schema's TypeScript declarations), with the TypeScript compiler. Each JSON file is
// written into a .ts file as an object literal `satisfies Dashboard`, so literal types (panel
// types, enums) and excess properties are checked, not only the shape.
// Usage: node check-dashboards.mjs <dashboards folder>. Exit code 1 on any error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
const ts = require('typescript');

const folder = path.resolve(process.argv[2]);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jamey3-dashboards-'));
const here = path.dirname(fileURLToPath(import.meta.url));
const files = fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) { console.error(`no dashboards in ${folder}`); process.exit(1); }
// JSON holds an enum's values ("value"), which TypeScript does not accept for a string enum type:
// Json<T> is T with every string enum replaced by the union of its values, nothing else loosened.
const literal = `type Json<T> = T extends string ? (string extends T ? T : \`\${T}\`) : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;`;
const roots = files.map((f) => {
  const json = fs.readFileSync(path.join(folder, f), 'utf8');
  const file = path.join(work, f.replace(/\.json$/, '.ts'));
  fs.writeFileSync(file, `import type { Dashboard } from '@grafana/schema';\n${literal}\nexport const dashboard = ${json.trim()} satisfies Json<Dashboard>;\n`);
  return file;
});
const program = ts.createProgram(roots, {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, typeRoots: [],
  baseUrl: here, paths: { '@grafana/schema': [path.join(here, 'node_modules/@grafana/schema/dist/types/index.d.ts')] },
});
const diagnostics = ts.getPreEmitDiagnostics(program);
for (const d of diagnostics) {
  const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
  console.log(`${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
fs.rmSync(work, { recursive: true, force: true });
console.log(diagnostics.length === 0 ? `${files.length} dashboards type-check against @grafana/schema: ${files.join(', ')}` : `${diagnostics.length} type errors`);
process.exit(diagnostics.length === 0 ? 0 : 1);
