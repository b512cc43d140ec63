#!/usr/bin/env node
// Compose Apollo Federation v2 subgraphs with Apollo's real composition library.
//
// stdin : JSON array  [{"name": "...", "url": "http://...", "sdl": "..."}, ...]
// stdout: ONE JSON object
//           {"ok": true,  "supergraphSdl": "...", "hints": ["..."]}
//           {"ok": false, "errors": [{"code": "...", "message": "..."}]}
// exit  : 0 whenever composition ran (success OR composition errors; inspect "ok"),
//         2 for malformed input (message on stderr, nothing on stdout).
//
// Usage : node tests/federation/compose.mjs < subgraphs.json
// Setup : npm ci --prefix tests/federation
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

function fail(message) {
  process.stderr.write(`compose.mjs: ${message}\n`);
  process.exit(2);
}

// Read all of stdin.
let raw = '';
for await (const chunk of process.stdin) raw += chunk;

// Validate the input shape and parse every SDL (a GraphQL syntax error is malformed input).
let input;
try {
  input = JSON.parse(raw);
} catch (e) {
  fail(`stdin is not valid JSON: ${e.message}`);
}
if (!Array.isArray(input) || input.length === 0) fail('expected a non-empty JSON array of subgraphs');
const services = input.map((s, i) => {
  for (const key of ['name', 'url', 'sdl']) {
    if (typeof s?.[key] !== 'string' || s[key] === '') fail(`subgraph #${i}: "${key}" must be a non-empty string`);
  }
  try {
    return { name: s.name, url: s.url, typeDefs: parse(s.sdl) };
  } catch (e) {
    fail(`subgraph "${s.name}": SDL does not parse: ${e.message}`);
  }
});

// Compose; errors are GraphQLErrors whose code lives in extensions.code.
const result = composeServices(services);
const output = result.errors
  ? {
      ok: false,
      errors: result.errors.map((e) => ({ code: String(e.extensions?.code ?? 'UNKNOWN'), message: e.message })),
    }
  : { ok: true, supergraphSdl: result.supergraphSdl, hints: (result.hints ?? []).map((h) => h.toString()) };

process.stdout.write(JSON.stringify(output) + '\n');
