// Construction qualifications, conduct records and the black list of a subject.
import { today } from './common.mjs';

const EMPTY = { qualifications: [], goodConduct: [], badConduct: [], blacklist: [] };
const listingInForce = (entry) => entry.status === 'ACTIVE' && today() < entry.removalDue;

export function makeResolvers(data) {
  const profiles = new Map(Object.entries(data.profiles));
  return {
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      construction: (subject) => profiles.get(subject.code) ?? EMPTY,
    },
    ConstructionProfile: {
      isBlacklisted: (profile) => profile.blacklist.some(listingInForce),
    },
    ConstructionQualification: {
      inForce: (q) => {
        const day = today();
        return q.status === 'ACTIVE' && q.validFrom <= day && day <= q.validUntil;
      },
    },
    ConstructionBlacklistEntry: { inForce: listingInForce },
  };
}
