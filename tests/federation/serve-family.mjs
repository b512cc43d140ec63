#!/usr/bin/env node
// Start every subgraph of one federation test family in this one process.
//
// Usage : node tests/federation/serve-family.mjs <family> <port-base>
//   family    : a folder under tests/federation/families/, or "faults" (tests/federation/faults/)
//   port-base : the first subgraph listens on port-base, the next on port-base+1, ... in the order of
//               the names of their SDL files; 0 gives every subgraph a free port chosen by the system
//               (what the Python harness uses, so that parallel runs never race for a port).
// stdout: one line once all of them listen
//   READY {"<subgraph>": {"url": "http://127.0.0.1:<port>/", "sdl": "<file>"}, ...}
//
// A family folder holds <subgraph>.graphql (Federation v2 SDL) per subgraph and one subgraphs.mjs
// whose default export maps every subgraph name to its resolvers (an @apollo/subgraph resolver map).
// A subgraph may instead be a raw HTTP server (for bad answers): subgraphs.mjs then exports
// `rawServers`, mapping the subgraph name to `(port) => Promise<http.Server>`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const [family, portBaseText] = process.argv.slice(2);
const portBase = Number(portBaseText);
if (!family || !Number.isInteger(portBase) || portBase < 0) {
  process.stderr.write('usage: serve-family.mjs <family> <port-base>\n');
  process.exit(2);
}
const folder = family === 'faults' ? join(here, 'faults') : join(here, 'families', family);
const sdlFiles = readdirSync(folder)
  .filter((file) => file.endsWith('.graphql'))
  .sort();
const module = await import(pathToFileURL(join(folder, 'subgraphs.mjs')).href);
const resolverMaps = module.default ?? {};
const rawServers = module.rawServers ?? {};

const ready = {};
for (const [index, file] of sdlFiles.entries()) {
  const name = file.slice(0, -'.graphql'.length);
  const port = portBase === 0 ? 0 : portBase + index;
  let url;
  if (rawServers[name]) {
    const server = await rawServers[name](port);
    url = `http://127.0.0.1:${server.address().port}/`;
  } else {
    if (!resolverMaps[name]) throw new Error(`${folder}/subgraphs.mjs has no resolvers for subgraph "${name}"`);
    const typeDefs = parse(readFileSync(join(folder, file), 'utf8'));
    const schema = buildSubgraphSchema({ typeDefs, resolvers: resolverMaps[name] });
    // No CSRF prevention (the gateway posts JSON), no stack traces, no federated tracing (ftv1):
    // plain answers, the same for every gateway under test.
    const server = new ApolloServer({
      schema,
      csrfPrevention: false,
      includeStacktraceInErrorResponses: false,
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    ({ url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } }));
    url = url.replace('localhost', '127.0.0.1');
  }
  ready[name] = { url, sdl: file };
}
process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

// The harness ends this process with SIGTERM; exit at once rather than drain hanging requests.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
