// Family "parent_fragments": the objects at one path come from selections under two type conditions of
// their parent (a Book's notes, a Disc's notes); an entity fetch at that path planned for the first
// must receive the second's objects too.
const items = [
  { __typename: 'Book', id: 'b1', sku: 'SKU-B1' },
  { __typename: 'Disc', id: 'd1', sku: 'SKU-D1', label: 'Blue Note' },
];
const byId = (id) => items.find((i) => i.id === id) ?? null;
// b1's note is about d1, d1's note about b1 and itself.
const notes = { b1: [{ text: 'see the disc', item: 'd1' }], d1: [{ text: 'see the book', item: 'b1' }, { text: 'me', item: 'd1' }] };
const withNotes = (ref) => ({ id: ref.id, notes: (notes[ref.id] ?? []).map((n) => ({ text: n.text, item: byId(n.item) })) });

export default {
  shelf: {
    Query: { items: () => items },
    Item: { __resolveType: (item) => item.__typename },
    Book: { __resolveReference: (ref) => byId(ref.id) },
    Disc: { __resolveReference: (ref) => byId(ref.id) },
  },
  notes: {
    Item: { __resolveType: (item) => item.__typename },
    Book: { __resolveReference: withNotes },
    Disc: { __resolveReference: withNotes },
  },
  labels: {
    Disc: { __resolveReference: (ref) => byId(ref.id) },
  },
};
