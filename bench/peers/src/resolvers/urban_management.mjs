// Urban management penalties, licences, inspections and 门前三包 red/black lists of a subject.
import { isCurrent } from './common.mjs';

const EMPTY = { penalties: [], licenses: [], inspections: [], redList: [], blackList: [] };

export function makeResolvers(data) {
  const profiles = new Map(Object.entries(data.profiles));
  return {
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      urbanManagement: (subject) => profiles.get(subject.code) ?? EMPTY,
    },
    UrbanManagementProfile: {
      onBlackList: (profile) => profile.blackList.some(isCurrent),
    },
    CreditListEntry: { isCurrent },
  };
}
