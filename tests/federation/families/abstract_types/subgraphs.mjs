// Family "abstract_types": an interface and a union whose members live in different subgraphs.
const books = [
  { __typename: 'Book', id: 'b1', title: 'Dune', pages: 600 },
  { __typename: 'Book', id: 'b2', title: 'Emma', pages: 400 },
];
const movies = [{ __typename: 'Movie', id: 'm1', title: 'Alien', minutes: 117 }];
const podcasts = [{ __typename: 'Podcast', id: 'c1', title: 'Talks', episodes: 12 }];
const ratings = { b1: 5, b2: 4 };
const byType = { __resolveType: (x) => x.__typename };

export default {
  media: {
    Query: {
      media: () => [books[0], movies[0], books[1]],
      search: (_, { text }) => [...books, ...movies].filter((m) => m.title.toLowerCase().includes(text.toLowerCase())),
    },
    Media: byType,
    SearchResult: byType,
    Book: { __resolveReference: (ref) => books.find((b) => b.id === ref.id) ?? null },
    Movie: { __resolveReference: (ref) => movies.find((m) => m.id === ref.id) ?? null },
  },
  extras: {
    Query: {
      featured: () => [podcasts[0], { __typename: 'Book', id: 'b2' }],
      shelf: () => [podcasts[0]],
    },
    Media: byType,
    SearchResult: byType,
    Podcast: { __resolveReference: (ref) => podcasts.find((p) => p.id === ref.id) ?? null },
    Book: { __resolveReference: (ref) => (ref.id in ratings ? { id: ref.id } : null), rating: (b) => ratings[b.id] },
  },
};
