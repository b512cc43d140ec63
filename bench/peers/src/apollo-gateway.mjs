#!/usr/bin/env node
// Apollo Gateway (@apollo/gateway 2.14) under Apollo Server, over the composed supergraph file.
//
// Usage: node src/apollo-gateway.mjs <supergraph.graphql> <port>
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [supergraph, port] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraph, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
process.stdout.write(`apollo gateway ready at ${url}\n`);
