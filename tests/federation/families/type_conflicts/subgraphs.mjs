// Family "type_conflicts": fields of the same name with different types in different subgraphs.
const documents = [
  { id: 'd1', size: 'A4' },
  { id: 'd2', size: 'Letter' },
];
const items = [
  { id: 'i1', label: 'First', code: 'X1' },
  { id: 'i2', label: 'Second', code: 'X2' },
];

export default {
  files: {
    Query: {
      attachments: () => [
        { __typename: 'Photo', id: 'f1', size: 2048 },
        { __typename: 'Document', id: 'd2' },
        { __typename: 'Document', id: 'd1' },
      ],
      item: (_, { id }) => items.find((i) => i.id === id) ?? null,
    },
    Attachment: { __resolveType: (a) => a.__typename },
    Item: { __resolveReference: (ref) => items.find((i) => i.id === ref.id) ?? null },
  },
  docs: {
    Query: { documents: () => documents },
    Document: { __resolveReference: (ref) => documents.find((d) => d.id === ref.id) ?? null },
    Item: { __resolveReference: (ref) => items.find((i) => i.id === ref.id) ?? null },
  },
};
