// Family "gathered_keys": an entity entered by a key whose fields come from two subgraphs
// (the catalogue gives id and category, the code register gives sku).
const products = [
  { id: 'p1', name: 'Lamp', category: { code: 'LIGHT' }, sku: 'L-001' },
  { id: 'p2', name: 'Desk', category: { code: 'FURN' }, sku: 'F-002' },
  { id: 'p3', name: 'Chair', category: { code: 'FURN' }, sku: 'F-003' },
];
// p3 has no price: pricing answers null for it.
const prices = [
  { id: 'p1', sku: 'L-001', category: 'LIGHT', price: 40, currency: 'EUR' },
  { id: 'p2', sku: 'F-002', category: 'FURN', price: 120, currency: 'EUR' },
];

export default {
  catalogue: {
    Query: { products: () => products.map(({ id, name, category }) => ({ id, name, category })) },
    Product: { __resolveReference: (ref) => products.find((p) => p.id === ref.id) ?? null },
  },
  codes: {
    Product: {
      __resolveReference: (ref) => {
        const product = products.find((p) => p.id === ref.id);
        return product ? { id: product.id, sku: product.sku } : null;
      },
    },
  },
  pricing: {
    Product: {
      // The whole key must match: a representation missing sku or the category finds nothing.
      __resolveReference: (ref) => {
        const price = prices.find(
          (p) => p.id === ref.id && p.sku === ref.sku && p.category === ref.category?.code,
        );
        return price
          ? { id: price.id, sku: price.sku, category: { code: price.category }, price: price.price, currency: price.currency }
          : null;
      },
    },
  },
};
