import { sql, type RawBuilder } from "kysely";
import { PRIORITY_WEIGHT } from "./gap-formula";

/** SQL for the weight of a target priority (PRIORITY_WEIGHT), for the gap view and reports. */
export function priorityWeight(priority: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`CASE ${priority}
    WHEN 'must_have' THEN ${sql.lit(PRIORITY_WEIGHT.must_have)}
    WHEN 'good_to_have' THEN ${sql.lit(PRIORITY_WEIGHT.good_to_have)}
    WHEN 'advanced' THEN ${sql.lit(PRIORITY_WEIGHT.advanced)} END`;
}
