#!/usr/bin/env node
// Compose the peers' supergraph with Apollo's composition library (@apollo/composition 2.14).
//
// Usage: node src/compose.mjs <out.graphql> name=url [name=url ...]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const [out, ...pairs] = process.argv.slice(2);
const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
const read = (file) => readFileSync(join(schemaDir, file), 'utf8');

const services = pairs.map((pair) => {
  const [name, url] = pair.split('=');
  const parts = [read(`${name}.graphql`)];
  if (name !== 'subjects') parts.push(read('common.graphql'));
  if (name === 'urban_management' || name === 'culture') parts.push(read('formats.graphql'));
  return { name, url, typeDefs: parse(parts.join('\n')) };
});
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) process.stderr.write(`${error.extensions?.code}: ${error.message}\n`);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
process.stdout.write(`supergraph of ${services.length} subgraphs written to ${out}\n`);
