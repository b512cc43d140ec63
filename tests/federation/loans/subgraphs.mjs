// The "loans" subgraph (tests/federation/test_gateway_as_subgraph.py): served by serve-family.mjs
// like a family's subgraphs, composed with credit-gateway's own SDL instead of a second Node subgraph.
// Borrower codes are the demo data's anchor subjects (gateway/host/demo.py).
const FUZHOU_MINDU = '91350100M000100Y43'; // 福州闽都信用示范科技有限公司
const BEIJING_JINGHUA = '91110000600037341L'; // 北京京华建设集团有限公司
const NOT_SEEDED = '91440305YMWXHD20C1'; // a well-formed USCC the demo's first 20 subjects do not hold
const BAD_CHECK_CHARACTER = '91350100M000100Y44'; // FUZHOU_MINDU with a wrong check character
// Codes as the bank filed them: credit-gateway answers them in another form (its CreditSubject.code).
const ZHANG_JIANHUA = '11010519491231002X'; // 张建华, a natural person: answered masked (110105********002X)
const MINGZHU_LOWER_CASE = '91310115ma1k3btp2b'; // 上海浦东新区明珠文化传媒有限公司: answered upper-cased

// Each loan is listed by one root field: loans (performing), loansUnderReview or loansAsFiled.
const loans = [
  { id: 'L1', amountYuan: 500000, borrower: FUZHOU_MINDU, list: 'performing' },
  { id: 'L2', amountYuan: 1200000, borrower: BEIJING_JINGHUA, list: 'performing' },
  { id: 'L3', amountYuan: 80000, borrower: FUZHOU_MINDU, list: 'performing' },
  { id: 'L4', amountYuan: 30000, borrower: NOT_SEEDED, list: 'review' },
  { id: 'L5', amountYuan: 45000, borrower: BAD_CHECK_CHARACTER, list: 'review' },
  { id: 'L6', amountYuan: 70000, borrower: BEIJING_JINGHUA, list: 'review' },
  { id: 'L7', amountYuan: 20000, borrower: ZHANG_JIANHUA, list: 'asFiled' },
  { id: 'L8', amountYuan: 90000, borrower: MINGZHU_LOWER_CASE, list: 'asFiled' },
];
const listed = (list) => () => loans.filter((loan) => loan.list === list);

export default {
  loans: {
    Query: {
      loans: listed('performing'),
      loansUnderReview: listed('review'),
      loansAsFiled: listed('asFiled'),
    },
    Loan: {
      __resolveReference: (ref) => loans.find((loan) => loan.id === ref.id) ?? null,
      // Only the key: the router asks credit-gateway for everything else about the borrower.
      borrower: (loan) => ({ code: loan.borrower }),
    },
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      loans: (subject) => loans.filter((loan) => loan.borrower === subject.code),
    },
  },
};
