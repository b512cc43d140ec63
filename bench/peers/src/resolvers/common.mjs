// Helpers the subgraphs share: today's date and keyset-free paging over exported edges.
import { GraphQLError } from 'graphql';

// The day in China as YYYY-MM-DD, as the gateway's clock gives it (gateway/clock.py: the credit
// domain's dates are Chinese calendar dates); ISO dates compare as strings. Worked out once a second,
// as the gateway works it out once per request.
const CHINA_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
let day = { until: 0, value: '' };
export function today() {
  const now = Date.now();
  if (now >= day.until) day = { until: now + 1000, value: CHINA_DAY.format(now) };
  return day.value;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

// A page of `edges` (each with its `cursor`, as the gateway issued them) after `after`.
export function page(edges, first, after) {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 0 || size > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE_SIZE}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  let start = 0;
  if (after != null) {
    const index = edges.findIndex((edge) => edge.cursor === after);
    if (index < 0) throw new GraphQLError('after is not a cursor this API issued', { extensions: { code: 'BAD_USER_INPUT' } });
    start = index + 1;
  }
  const slice = edges.slice(start, start + size);
  return {
    edges: slice,
    pageInfo: { hasNextPage: start + size < edges.length, endCursor: slice.length ? slice[slice.length - 1].cursor : null },
  };
}

// A list entry is on its list today: in force and not yet removed.
export function isCurrent(entry) {
  return entry.status === 'ACTIVE' && (entry.removalDate == null || entry.removalDate > today());
}
