#!/usr/bin/env node
// Compose Apollo Federation v2 subgraphs with Apollo's composition library (credit-gateway's
// `supergraph compose`; adapted from the repository's own tests/federation/compose.mjs).
//
// argv  : node compose.mjs DIR   (DIR holds node_modules/@apollo/composition; installed with
//                                 `npm install @apollo/composition@2.14.4 --prefix DIR`)
// stdin : JSON array  [{"name": "...", "url": "http://...", "sdl": "..."}, ...]
// stdout: ONE JSON object
//           {"ok": true,  "supergraphSdl": "...", "hints": ["..."]}
//           {"ok": false, "errors": [{"code": "...", "message": "..."}]}
// exit  : 0 whenever composition ran (success OR composition errors; inspect "ok"),
//         2 for malformed input (message on stderr, nothing on stdout),
//         3 when the composition library cannot be found in DIR.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

function fail(message, code = 2) {
  process.stderr.write(`compose.mjs: ${message}\n`);
  process.exit(code);
}

// A bare `import` resolves from this script's own directory (inside the Python package), so the
// library is required from DIR instead; `graphql` comes from there too, the instance it uses.
if (process.argv.length < 3) fail('usage: node compose.mjs NODE_MODULES_PREFIX < subgraphs.json');
const require = createRequire(join(resolve(process.argv[2]), 'package.json'));
let composeServices, parse;
try {
  ({ composeServices } = require('@apollo/composition'));
  ({ parse } = require('graphql'));
} catch (e) {
  fail(`@apollo/composition not found under ${process.argv[2]}: ${e.message}`, 3);
}

let raw = '';
for await (const chunk of process.stdin) raw += chunk;

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
