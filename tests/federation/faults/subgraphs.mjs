// Bad subgraphs, to see what a gateway does with them. Each fault subgraph is a raw HTTP server that
// answers by the last segment of the request path (the harness composes subgraph <name> with the URL
// http://127.0.0.1:<port>/<name>), so one server could serve any fault:
//   /html              200 with an HTML page
//   /status500         500 with a plain-text body
//   /malformed         200, content-type JSON, a truncated JSON body
//   /hang              never answers (the socket stays open until the process ends)
//   /entities_fewer    a valid _entities answer with the last entity left out
//   /entities_reversed a valid _entities answer in the reverse order of the representations
import { createServer } from 'node:http';

const loans = [
  { id: 'l1', amount: 100 },
  { id: 'l2', amount: 200 },
  { id: 'l3', amount: 300 },
];

function entitiesAnswer(body) {
  const representations = body.variables?.representations ?? [];
  return representations.map((r) => ({ __typename: 'Loan', id: r.id, fewerNote: `note ${r.id}`, reversedNote: `note ${r.id}` }));
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
      return json(200, { data: { _entities: entitiesAnswer(body).slice(0, -1) } });
    case 'entities_reversed':
      return json(200, { data: { _entities: entitiesAnswer(body).reverse() } });
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
    Query: { loans: () => loans },
    Loan: { __resolveReference: (ref) => loans.find((l) => l.id === ref.id) ?? null },
  },
};
