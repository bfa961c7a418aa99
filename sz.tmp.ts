import { buildBundle } from './bench/cold/build.ts';
import { FUNCTIONS } from '#lib/wiring.ts';
import { readFileSync } from 'node:fs';
for (const spec of FUNCTIONS) {
  if (!process.argv.slice(2).includes(spec.name)) continue;
  const b = await buildBundle(spec.name, spec.entry, { outRoot: '/tmp/zodscan' });
  const files = Object.keys(b.eagerInputs).filter((f) => (f.startsWith('functions/') || f.startsWith('lib/')) && /from 'zod'/.test(readFileSync(f, 'utf8')));
  console.log(spec.name, files.map((f) => f.replace(/^functions\//, '').replace('adapters/dynamodb/table-layout/', 'tl/')).join(' '));
}
