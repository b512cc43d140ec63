// Family "mutations": root mutation fields of two subgraphs must run one after the other, in order.
// Both subgraphs share one store (one process), so a mutation sees what the previous ones did; every
// case writes to its own log (a variable), so the cases do not depend on each other.
const logs = new Map();
const entries = (log) => logs.get(log) ?? [];
let audits = 0;

export default {
  ledger: {
    Query: { entries: (_, { log }) => entries(log) },
    Mutation: {
      append: async (_, { log, entry }) => {
        // A delay: a gateway that ran the next subgraph's mutation in parallel would count too few.
        await new Promise((resolve) => setTimeout(resolve, 30));
        logs.set(log, [...entries(log), entry]);
        return entries(log);
      },
    },
  },
  audit: {
    Query: { audits: () => audits },
    Mutation: {
      count: (_, { log }) => {
        audits += 1;
        return entries(log).length;
      },
      seal: (_, { log }) => {
        if (entries(log).length === 0) throw new Error(`log ${log} is empty`);
        return `sealed ${log} at ${entries(log).length}`;
      },
    },
  },
};
