// The "echo" subgraph: a real @apollo/subgraph schema run by graphql-js over a plain HTTP server, so that
// its resolvers see the request's headers (serve-family.mjs's standalone servers pass no context).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const schema = buildSubgraphSchema({
  typeDefs: parse(readFileSync(join(here, 'echo.graphql'), 'utf8')),
  resolvers: {
    Query: {
      receivedHeaders: (_root, _args, context) =>
        Object.entries(context.headers)
          .map(([name, value]) => ({ name, value: String(value) }))
          .sort((a, b) => a.name.localeCompare(b.name)),
    },
  },
});

export const rawServers = {
  echo: (port) =>
    new Promise((resolve) => {
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', async () => {
          const { query, variables } = JSON.parse(body || '{}');
          const result = await graphql({
            schema,
            source: query,
            variableValues: variables,
            contextValue: { headers: request.headers },
          });
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(result));
        });
      });
      server.listen(port, '127.0.0.1', () => resolve(server));
    }),
};
