// Who a subject is, by code; and the name of a listing's subject.
import { GraphQLError } from 'graphql';

const MAX_BATCH_SUBJECTS = 100;

export function makeResolvers(data) {
  const byCode = new Map(data.subjects.map((subject) => [subject.code, subject]));
  const names = new Map(Object.entries(data.names));
  return {
    Query: {
      subject: (_, { code }) => byCode.get(code.trim().toUpperCase()) ?? null,
      subjects: (_, { codes }) => {
        if (codes.length > MAX_BATCH_SUBJECTS) {
          throw new GraphQLError(`at most ${MAX_BATCH_SUBJECTS} codes`, { extensions: { code: 'LIMIT_EXCEEDED' } });
        }
        return codes.map((code) => byCode.get(code.trim().toUpperCase()) ?? null);
      },
    },
    CreditSubject: {
      __resolveReference: (ref) => byCode.get(ref.code) ?? null,
    },
    MajorTaxViolation: {
      __resolveReference: (ref) => ref,
      subjectName: (violation) => names.get(violation.subjectCode),
    },
  };
}
