// Family "keys": several keys per type, a composite key, a nested key, resolvable: false, null keys.
const users = [
  { id: 'u1', email: 'ada@example.test', name: 'Ada' },
  { id: 'u2', email: 'bob@example.test', name: 'Bob' },
  { id: 'u3', email: 'cy@example.test', name: 'Cy' },
];
const branches = [
  { bank: { code: 'B1' }, number: '001', city: 'Lyon' },
  { bank: { code: 'B2' }, number: '001', city: 'Nice' },
];
const skus = [
  { upc: 'A1', region: 'EU', title: 'Lamp' },
  { upc: 'A2', region: 'US', title: 'Desk' },
  { upc: 'A1', region: 'US', title: 'Lamp US' },
];
const orders = [
  { id: 'o1', total: 10, buyer: 'ada@example.test', branch: ['B1', '001'], sku: ['A1', 'EU'] },
  { id: 'o2', total: 20, buyer: 'bob@example.test', branch: ['B2', '001'], sku: ['A2', 'US'] },
  { id: 'o3', total: 30, buyer: null, branch: null, sku: null },
  { id: 'o4', total: 40, buyer: 'ada@example.test', branch: ['B2', '001'], sku: ['A1', 'US'] },
];
const reviews = [
  { id: 'r1', stars: 5, author: 'u2', sku: { upc: 'A1', region: 'EU' } },
  { id: 'r2', stars: 3, author: 'u1', sku: { upc: 'A1', region: null } },
  { id: 'r3', stars: 4, author: null, sku: { upc: 'A1', region: 'US' } },
];

const findBranch = (code, number) => branches.find((b) => b.bank.code === code && b.number === number) ?? null;
const branchKey = (b) => ({ bank: { code: b.bank.code }, number: b.number });

export default {
  accounts: {
    Query: {
      user: (_, { id }) => users.find((u) => u.id === id) ?? null,
      branches: () => branches,
    },
    User: {
      __resolveReference: (ref) => users.find((u) => (ref.id !== undefined ? u.id === ref.id : u.email === ref.email)) ?? null,
      nickname: (u) => {
        if (u.name === 'Bob') throw new Error('no nickname for Bob');
        return u.name.toLowerCase() + 'y';
      },
    },
    Branch: { __resolveReference: (ref) => findBranch(ref.bank.code, ref.number) },
  },
  orders: {
    Query: { orders: () => orders },
    Order: {
      __resolveReference: (ref) => orders.find((o) => o.id === ref.id) ?? null,
      buyer: (o) => (o.buyer === null ? null : { email: o.buyer }),
      branch: (o) => (o.branch === null ? null : branchKey(findBranch(...o.branch))),
      sku: (o) => (o.sku === null ? null : skus.find((s) => s.upc === o.sku[0] && s.region === o.sku[1])),
    },
    User: {
      __resolveReference: (ref) => ({ email: ref.email }),
      orders: (u) => orders.filter((o) => o.buyer === u.email),
    },
    Branch: {
      __resolveReference: (ref) => findBranch(ref.bank.code, ref.number),
      orderCount: (b) => orders.filter((o) => o.branch?.[0] === b.bank.code && o.branch?.[1] === b.number).length,
    },
    Sku: { __resolveReference: (ref) => skus.find((s) => s.upc === ref.upc && s.region === ref.region) ?? null },
  },
  reviews: {
    Query: { reviews: () => reviews },
    Review: { author: (r) => (r.author === null ? null : { id: r.author }) },
  },
};
