// Tax ratings and major violations of a subject; the published tax black list.
import { page } from './common.mjs';

const EMPTY = { ratings: [], majorViolations: [] };

export function makeResolvers(data) {
  const profiles = new Map(Object.entries(data.profiles));
  const listEdges = data.majorTaxViolations;
  const violations = new Map(listEdges.map((edge) => [edge.node.id, edge.node]));
  return {
    Query: {
      majorTaxViolations: (_, { first, after }) => page(listEdges, first, after),
    },
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      tax: (subject) => profiles.get(subject.code) ?? EMPTY,
    },
    TaxProfile: {
      latestRating: (profile) => profile.ratings[0] ?? null, // newest year first
      isMajorViolator: (profile) => profile.majorViolations.some((v) => v.status === 'ACTIVE'),
    },
    MajorTaxViolation: {
      __resolveReference: (ref) => violations.get(ref.id) ?? null,
    },
  };
}
