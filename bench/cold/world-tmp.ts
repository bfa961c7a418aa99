import { writeFileSync } from 'node:fs';
import { startColdWorld } from './world.ts';

const world = await startColdWorld((l) => process.stderr.write(`${l}\n`));
writeFileSync('/tmp/init14-env.json', JSON.stringify(world.env));
process.stderr.write('world up\n');
process.on('SIGTERM', async () => {
  await world.stop();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
