// Family "requires": @requires of scalars, of a nested selection, with inline fragments, on a field with arguments.
const products = [
  { upc: 'p1', weight: 10, price: 100, dimensions: { length: 2, width: 3 }, packaging: { __typename: 'Box', side: 4 },
    origin: { __typename: 'Factory', country: 'FR', line: 2 } },
  { upc: 'p2', weight: 5, price: 50, dimensions: { length: 1, width: 1 }, packaging: { __typename: 'Bag', liters: 7 },
    origin: { __typename: 'Farm', country: 'US', acres: 30 } },
];
const byTypename = { __resolveType: (p) => p.__typename };

export default {
  inventory: {
    Query: { products: () => products },
    Product: { __resolveReference: (ref) => products.find((p) => p.upc === ref.upc) ?? null },
    Packaging: byTypename,
    Origin: byTypename,
  },
  shipping: {
    // The representation carries the required fields; nothing else is known here.
    Product: {
      __resolveReference: (ref) => ref,
      shippingEstimate: (p) => p.weight + Math.floor(p.price / 10),
      footprint: (p) => p.dimensions.length * p.dimensions.width,
      packingFee: (p) => (p.packaging.__typename === 'Box' ? p.packaging.side * 10 : p.packaging.liters),
      customsFee: (p) => (p.origin.country === 'FR' ? 0 : 5) + (p.origin.line ?? 0) * 10,
      shippingCost: (p, { zone }) => p.weight * zone,
    },
    Packaging: byTypename,
    Origin: byTypename,
  },
};
