import { sql } from "kysely";

// The level a gap view shows for a member × topic, read from a current_levels row aliased
// `cl`: the newer of the member's own rating and the lead's — the lead's once they have
// validated the member's latest rating, the member's own when they have re-rated since (a new
// cycle's draft) until the lead validates again (ADR 008).

export const leadIsNewer = sql`cl.lead_rating_id > coalesce(cl.self_rating_id, 0)`;

export const shownLevel = sql<
  number | null
>`CASE WHEN ${leadIsNewer} THEN cl.lead_level ELSE cl.self_level END`;
