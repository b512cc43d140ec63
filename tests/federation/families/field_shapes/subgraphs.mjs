// Family "field_shapes": one field typed differently per subgraph (an object in one, a union holding
// it in the other), a @requires with arguments while the client asks the same field with others, an
// object of an @inaccessible type, and a value type that is an entity in a third subgraph.
const book = { __typename: 'Book', id: 'b1', title: 'Dune' };
const comments = [
  { id: 'c1', postId: 'p1', authorId: 'a1' },
  { id: 'c2', postId: 'p1', authorId: 'a2' },
  { id: 'c3', postId: 'p1', authorId: 'a3' },
  { id: 'c4', postId: 'p1', authorId: 'a4' },
];
const commentsOf = (post, limit) => comments.filter((c) => c.postId === post.id).slice(0, limit);

export default {
  catalog: {
    Query: {
      shelf: () => ({ featured: book }),
      posts: () => [{ id: 'p1' }],
      pick: () => ({ __typename: 'Song', id: 's1', title: 'Hidden' }),
    },
    Item: { __resolveType: (item) => item.__typename },
    Book: { __resolveReference: (ref) => (ref.id === book.id ? book : null) },
    Song: { __resolveReference: () => null },
    Post: {
      __resolveReference: (ref) => (ref.id === 'p1' ? { id: 'p1' } : null),
      comments: (post, { limit }) => commentsOf(post, limit),
      category: () => ({ details: 'hardbacks only' }),
    },
    Comment: { __resolveReference: (ref) => comments.find((c) => c.id === ref.id) ?? null },
  },
  labels: {
    Category: { __resolveReference: (ref) => (ref.id === 'k1' ? { id: 'k1', name: 'Novels' } : null) },
  },
  store: {
    Item: { __resolveType: (item) => item.__typename },
    Book: { __resolveReference: (ref) => (ref.id === book.id ? book : null) },
    Movie: { __resolveReference: () => null },
    Post: {
      __resolveReference: (ref) => ({ id: ref.id, comments: ref.comments }),
      category: () => ({ id: 'k1' }),
      thirdAuthor: (post) => {
        if (!post.comments || post.comments.length !== 3) throw new Error('expected 3 comments');
        return post.comments[2].authorId;
      },
      firstAuthor: (post) => {
        if (!post.comments || post.comments.length !== 1) throw new Error('expected 1 comment');
        return post.comments[0].authorId;
      },
    },
  },
};
