// The "exposures" subgraph: served by serve-family.mjs, composed with credit-gateway's own SDL.
// Subject codes are the demo data's anchor subjects (gateway/host/demo.py).
const FUZHOU_MINDU = '91350100M000100Y43';
const BEIJING_JINGHUA = '91110000600037341L';
const NOT_SEEDED = '91440305YMWXHD20C1'; // well-formed, not among the demo's subjects

const exposures = [
  { id: 'E1', subjectCode: FUZHOU_MINDU, bank: 'Bank of Fuzhou', amountYuan: 300000 },
  { id: 'E2', subjectCode: BEIJING_JINGHUA, bank: 'Bank of Fuzhou', amountYuan: 900000 },
  { id: 'E3', subjectCode: NOT_SEEDED, bank: 'Bank of Fuzhou', amountYuan: 10000 },
];
const collateral = [{ __typename: 'Collateral', id: 'C1', subjectCode: BEIJING_JINGHUA, valueYuan: 450000 }];
const scores = { [FUZHOU_MINDU]: 71, [BEIJING_JINGHUA]: 64 };

export default {
  exposures: {
    Query: {
      exposures: () => exposures,
      holdings: () => [...exposures.map((e) => ({ __typename: 'Exposure', ...e })), ...collateral],
    },
    Holding: { __resolveType: (holding) => holding.__typename },
    Exposure: { __resolveReference: (ref) => exposures.find((e) => e.id === ref.id) ?? null },
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      riskScore: (subject) => scores[subject.code] ?? null,
      exposures: (subject) => exposures.filter((e) => e.subjectCode === subject.code),
    },
  },
};
