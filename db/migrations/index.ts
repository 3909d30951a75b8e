import type { Migration } from "kysely";
import * as initialSchema from "./2026-11-25T0001_initial_schema";
import * as gapViewTables from "./2026-11-25T0002_gap_view_tables";
import * as outboxDispatch from "./2026-11-25T0003_outbox_dispatch";
import * as reportRows from "./2026-11-30T0004_report_rows";
import * as gapViewCache from "./2026-12-01T0005_gap_view_cache";
import * as ratingsModule from "./2026-12-06T0006_ratings_module";
import * as singleSignOn from "./2026-12-06T0008_single_sign_on";
import * as trustLoop from "./2026-12-06T0010_trust_loop";
import * as growth from "./2026-12-06T0014_growth";
import * as reminderChannels from "./2026-12-06T0016_reminder_channels";
import * as organisationData from "./2026-12-06T0018_organisation_data";
import * as liveCycle from "./2026-12-06T0020_live_cycle";
import * as distributableByOrganisation from "./2026-12-07T0022_distributable_by_organisation";
import * as tenantStatistics from "./2026-12-07T0024_tenant_statistics";
import * as levelsAsOfByMember from "./2026-12-07T0026_levels_as_of_by_member";

// Every migration, in order. Listed explicitly (not read from disk) so the same code runs
// under tsx, vitest and the bundled server. A landed migration is never edited.
export const migrations: Record<string, Migration> = {
  "2026-11-25T0001_initial_schema": initialSchema,
  "2026-11-25T0002_gap_view_tables": gapViewTables,
  "2026-11-25T0003_outbox_dispatch": outboxDispatch,
  "2026-11-30T0004_report_rows": reportRows,
  "2026-12-01T0005_gap_view_cache": gapViewCache,
  "2026-12-06T0006_ratings_module": ratingsModule,
  "2026-12-06T0008_single_sign_on": singleSignOn,
  "2026-12-06T0010_trust_loop": trustLoop,
  "2026-12-06T0014_growth": growth,
  "2026-12-06T0016_reminder_channels": reminderChannels,
  "2026-12-06T0018_organisation_data": organisationData,
  "2026-12-06T0020_live_cycle": liveCycle,
  "2026-12-07T0022_distributable_by_organisation": distributableByOrganisation,
  "2026-12-07T0024_tenant_statistics": tenantStatistics,
  "2026-12-07T0026_levels_as_of_by_member": levelsAsOfByMember,
};
