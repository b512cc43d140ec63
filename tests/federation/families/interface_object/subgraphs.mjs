// Family "interface_object": fields added to every implementation of an interface by a subgraph
// that sees the interface as one object type.
const accounts = [
  { __typename: 'Checking', id: 'a1', title: 'Main', overdraft: 500 },
  { __typename: 'Savings', id: 'a2', title: 'Rainy day', rate: 3 },
  { __typename: 'Checking', id: 'a3', title: 'Travel', overdraft: 0 },
];
const scores = { a1: 40, a2: 5, a3: 90 };
const findAccount = (ref) => accounts.find((a) => a.id === ref.id) ?? null;

export default {
  accounts: {
    Query: { accounts: () => accounts },
    Account: { __resolveReference: findAccount, __resolveType: (a) => a.__typename },
    Checking: { __resolveReference: findAccount },
    Savings: { __resolveReference: findAccount },
  },
  risk: {
    Query: {
      riskiest: () => ({ id: 'a3' }),
      watchlist: () => [{ id: 'a2' }, { id: 'a1' }],
    },
    Account: {
      __resolveReference: (ref) => (ref.id in scores ? { id: ref.id } : null),
      riskScore: (a) => scores[a.id],
    },
  },
};
