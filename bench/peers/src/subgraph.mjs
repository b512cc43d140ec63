#!/usr/bin/env node
// One Apollo subgraph (@apollo/subgraph + @apollo/server) over the data exported from the gateway's
// database, held in memory.
//
// Usage: node src/subgraph.mjs <name> <port> <export-dir>
//   name: subjects | tax | urban_management | culture | construction
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const [name, port, exportDir] = process.argv.slice(2);
if (!name || !port || !exportDir) {
  process.stderr.write('usage: subgraph.mjs <name> <port> <export-dir>\n');
  process.exit(2);
}
const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
const read = (file) => readFileSync(join(schemaDir, file), 'utf8');

// The domain subgraphs share the scalars, RecordStatus and PageInfo; two of them the shared formats.
const parts = [read(`${name}.graphql`)];
if (name !== 'subjects') parts.push(read('common.graphql'));
if (name === 'urban_management' || name === 'culture') parts.push(read('formats.graphql'));

const data = JSON.parse(readFileSync(join(exportDir, `${name}.json`), 'utf8'));
const { makeResolvers } = await import(`./resolvers/${name}.mjs`);
const schema = buildSubgraphSchema({ typeDefs: parse(parts.join('\n')), resolvers: makeResolvers(data) });

const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
process.stdout.write(`subgraph ${name} ready at ${url}\n`);
