// Bad subgraphs, to see what a gateway does with them. Each fault subgraph is a raw HTTP server that
// answers by the last segment of the request path (the harness composes subgraph <name> with the URL
// http://127.0.0.1:<port>/<name>), so one server could serve any fault:
//   /html              200 with an HTML page
//   /status500         500 with a plain-text body
//   /malformed         200, content-type JSON, a truncated JSON body
//   /hang              never answers (the socket stays open until the process ends)
//   /entities_fewer    a valid _entities answer with the last entity left out
//   /entities_reversed a valid _entities answer in the reverse order of the representations
// The two entity faults run the operation on a real subgraph schema (<mode>.graphql) and only then
// damage the list: each entity holds exactly the fields the gateway asked for, as a real subgraph's
// would, so a gateway can tell a misplaced entity only by what it asked back.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';

const loans = [
  { id: 'l1', amount: 100 },
  { id: 'l2', amount: 200 },
  { id: 'l3', amount: 300 },
];
// Reversed, the first and last of each list differ from each other in one key field only: the register
// of a composite key, the bank code nested in a key.
const collaterals = [
  { register: 'R1', number: 7 },
  { register: 'R1', number: 8 },
  { register: 'R2', number: 7 },
];
const branches = [
  { bank: { code: 'B1' }, number: '001' },
  { bank: { code: 'B1' }, number: '002' },
  { bank: { code: 'B2' }, number: '001' },
];

const note = (entity) => {
  if (entity.__typename === 'Collateral') return `note ${entity.register}-${entity.number}`;
  if (entity.__typename === 'Branch') return `note ${entity.bank.code}-${entity.number}`;
  return `note ${entity.id}`;
};
const code = (entity) => `code ${entity.id}`;
const here = dirname(fileURLToPath(import.meta.url));
const entitySchema = (mode, resolvers) =>
  buildSubgraphSchema({ typeDefs: parse(readFileSync(join(here, `${mode}.graphql`), 'utf8')), resolvers });
const entitySchemas = {
  entities_fewer: entitySchema('entities_fewer', {
    Loan: { __resolveReference: (ref) => ref, fewerNote: note, fewerCode: code },
  }),
  entities_reversed: entitySchema('entities_reversed', {
    Loan: { __resolveReference: (ref) => ref, reversedNote: note, reversedCode: code },
    Collateral: { __resolveReference: (ref) => ref, reversedNote: note },
    Branch: { __resolveReference: (ref) => ref, reversedNote: note },
  }),
};

async function entitiesAnswer(mode, body, damage) {
  const result = await graphql({ schema: entitySchemas[mode], source: body.query ?? '', variableValues: body.variables });
  const answer = JSON.parse(JSON.stringify(result)); // plain objects, as they go on the wire
  if (Array.isArray(answer.data?._entities)) answer.data._entities = damage(answer.data._entities);
  return answer;
}

function answer(mode, body, response) {
  const json = (status, value) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  switch (mode) {
    case 'html':
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end('<!doctype html><html><body><h1>Maintenance</h1></body></html>');
    case 'status500':
      response.writeHead(500, { 'content-type': 'text/plain' });
      return response.end('Internal Server Error');
    case 'malformed':
      return json(200, '{"data": {"malformedAnswer": "cut');
    case 'hang':
      return undefined; // never answered
    case 'entities_fewer':
      return entitiesAnswer(mode, body, (entities) => entities.slice(0, -1)).then((answer) => json(200, answer));
    case 'entities_reversed':
      return entitiesAnswer(mode, body, (entities) => entities.reverse()).then((answer) => json(200, answer));
    default:
      return json(404, { errors: [{ message: `no fault mode ${mode}` }] });
  }
}

function faultServer(port) {
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      let body = {};
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        // a GET or a bad body: answer by mode all the same
      }
      answer(new URL(request.url, 'http://x').pathname.split('/').filter(Boolean).pop() ?? '', body, response);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

export const rawServers = Object.fromEntries(
  ['html', 'status500', 'malformed', 'hang', 'entities_fewer', 'entities_reversed'].map((mode) => [mode, faultServer]),
);

export default {
  loans: {
    Query: { loans: () => loans, maybeLoans: () => loans, collaterals: () => collaterals, branches: () => branches },
    Loan: { __resolveReference: (ref) => loans.find((l) => l.id === ref.id) ?? null },
  },
};
