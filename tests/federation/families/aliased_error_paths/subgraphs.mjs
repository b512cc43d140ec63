// Family "aliased_error_paths": a subgraph's error inside an entity fetch whose field the planner had to
// alias (the client named it after another field of the type); the error's path must be the client's.
const users = [
  { id: 'u1', name: 'Ada', nickname: 'ada' },
  { id: 'u2', name: 'Bob', nickname: null },
];
const orders = [
  // Bob's order first: Hive Gateway (the oracle) puts an _entities error at the first object whatever its
  // index (the "disagrees" case of the keys family), so the paths here are ones it gets right too.
  { id: 'o1', buyer: 'u2' },
  { id: 'o2', buyer: 'u1' },
];

export default {
  shop: {
    Query: { orders: () => orders },
    Order: {
      __resolveReference: (ref) => orders.find((o) => o.id === ref.id) ?? null,
      buyer: (o) => ({ id: o.buyer }),
    },
  },
  people: {
    User: {
      __resolveReference: (ref) => users.find((u) => u.id === ref.id) ?? null,
      nickname: (u) => {
        if (u.name === 'Bob') throw new Error('no nickname for Bob');
        return u.nickname;
      },
    },
  },
};
