// Family "root_fields": one operation over root fields of several subgraphs.
const names = { t1: 'One', t2: 'Two' };
const weights = { t1: 11, t2: 22 };

export default {
  left: {
    Query: {
      version: () => 'v1',
      left: (_, { add }) => 1 + add,
      thing: (_, { id }) => (id in names ? { id } : null),
    },
    Thing: { __resolveReference: (ref) => ({ id: ref.id }), name: (t) => names[t.id] },
  },
  right: {
    Query: {
      version: () => 'v1',
      right: () => 2,
      things: () => [{ id: 't2' }, { id: 't1' }],
    },
    Thing: { __resolveReference: (ref) => ({ id: ref.id }), weight: (t) => weights[t.id] },
  },
};
