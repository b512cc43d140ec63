// Family "provides_external": a field provided on one path, external elsewhere.
// The copy of the username held by reviews ends in "(copy)": the expected answers show which subgraph served it.
const users = [
  { id: 'u1', username: 'ada', realName: 'Ada Lovelace' },
  { id: 'u2', username: 'bob', realName: 'Bob Dylan' },
];
const reviews = [
  { id: 'r1', body: 'Great', author: { id: 'u1', username: 'ada (copy)' } },
  { id: 'r2', body: 'Fine', author: { id: 'u2', username: 'bob (copy)' } },
  { id: 'r3', body: 'Again', author: { id: 'u1', username: 'ada (copy)' } },
];

export default {
  accounts: {
    Query: { me: () => users[0] },
    User: { __resolveReference: (ref) => users.find((u) => u.id === ref.id) ?? null },
  },
  reviews: {
    Query: { reviews: () => reviews },
    User: {
      // Outside the provided path only the key is known.
      __resolveReference: (ref) => ({ id: ref.id }),
      reviewCount: (u) => reviews.filter((r) => r.author.id === u.id).length,
    },
  },
};
