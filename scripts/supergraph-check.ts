import { writeFileSync } from 'node:fs';
import { composeSupergraph } from './supergraph.js';

// `npm run supergraph:check`: fails on any composition error, and otherwise writes supergraph.graphql at the root.
const composition = composeSupergraph();
if (composition.errors) {
  for (const error of composition.errors)
    console.error(`${String(error.extensions['code'] ?? 'ERROR')}: ${error.message}`);
  console.error(`Composition failed: ${composition.errors.length} error(s)`);
  process.exit(1);
}
const file = new URL('../supergraph.graphql', import.meta.url);
writeFileSync(file, composition.supergraphSdl);
console.log(`Composed provisioning and billing: ${file.pathname}`);
