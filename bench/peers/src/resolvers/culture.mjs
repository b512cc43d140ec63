// Culture penalties, licences, red/black lists and the green channel of a subject; the published 红黑榜.
import { isCurrent, page } from './common.mjs';

const EMPTY = { penalties: [], licenses: [], redList: [], blackList: [], blackListedElsewhere: [] };

export function makeResolvers(data) {
  const profiles = new Map(Object.entries(data.profiles));
  const measures = new Map(data.measures.map((m) => [m.code, m]));
  const greenChannel = data.measures.filter((m) => m.listType === 'RED').map((m) => m.code); // catalogue order
  return {
    Query: {
      cultureRedBlackList: (_, { listType, first, after }) => page(data.redBlackList[listType], first, after),
    },
    CreditSubject: {
      __resolveReference: (ref) => ({ code: ref.code }),
      culture: (subject) => profiles.get(subject.code) ?? EMPTY,
    },
    CultureProfile: {
      // The port of plugins/culture/rules.py green_channel: a current black-list entry suspends it, and
      // so does a black listing in another domain (the measures catalogue's punishment for any black
      // list withholds the reward; the export carries those listings as blackListedElsewhere).
      greenChannel: (profile) => {
        const elsewhere = (profile.blackListedElsewhere ?? []).some(isCurrent);
        if (elsewhere || profile.blackList.some(isCurrent)) return { eligible: false, incentives: [], since: null };
        const granting = profile.redList.filter((e) => isCurrent(e) && e.measures.some((m) => measures.get(m)?.listType === 'RED'));
        const held = new Set(granting.flatMap((e) => e.measures));
        const incentives = greenChannel.filter((code) => held.has(code)).map((code) => measures.get(code));
        const since = granting.reduce((min, e) => (min === null || e.decisionDate < min ? e.decisionDate : min), null);
        return { eligible: incentives.length > 0, incentives, since };
      },
    },
    CreditListEntry: { isCurrent },
  };
}
