// Family "shareable_override_inaccessible".
const catalog = [
  { id: 'p1', name: 'Lamp', price: -1, tier: 'GOLD', secretCode: 'abc' },
  { id: 'p2', name: 'Desk', price: -1, tier: 'LEGACY', secretCode: 'abcdef' },
];
const prices = { p1: 100, p2: 250 };

export default {
  catalog: {
    Query: {
      products: () => catalog,
      product: (_, { id }) => catalog.find((p) => p.id === id) ?? null,
    },
    Product: { __resolveReference: (ref) => catalog.find((p) => p.id === ref.id) ?? null },
  },
  pricing: {
    Query: {
      product: (_, { id }) => {
        const known = catalog.find((p) => p.id === id);
        return known ? { id, name: known.name } : null;
      },
    },
    Product: {
      __resolveReference: (ref) => ({ ...ref, name: catalog.find((p) => p.id === ref.id)?.name }),
      price: (p) => prices[p.id],
      codeLength: (p) => p.secretCode.length,
    },
  },
};
