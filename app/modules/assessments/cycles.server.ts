import { sql } from "kysely";
import { db } from "#db/database";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { withdrawCycleReminders } from "~/modules/notifications/reminders.server";
import { type CycleDates, type NewCycle, nextQuarterCycle, todayIn } from "./cycle-calendar";
import { findOpenCycle } from "./open-cycle.server";

export {
  CycleDatesSchema,
  NewCycleSchema,
  todayIn,
  type CycleDates,
  type NewCycle,
} from "./cycle-calendar";

/**
 * The cycle an admin most likely wants next: the calendar quarter after the newest cycle,
 * or the current quarter (in the organisation's time zone) when that is later or there is none.
 */
export async function suggestNextCycle(
  organizationId: string,
  timeZone: string,
  now = new Date(),
): Promise<NewCycle> {
  const latest = await db
    .selectFrom("cycles")
    .select("starts_on")
    .where("organization_id", "=", organizationId)
    .orderBy("starts_on", "desc")
    .limit(1)
    .executeTakeFirst();
  return nextQuarterCycle(latest?.starts_on ?? null, todayIn(timeZone, now));
}

/** The organisation's cycles, newest first, with assessment counts (just one, given its id). */
export async function listCycles(organizationId: string, cycleId?: string) {
  let query = db
    .selectFrom("cycles as c")
    .innerJoin("framework_versions as v", "v.id", "c.framework_version_id")
    .innerJoin("frameworks as f", "f.id", "v.framework_id")
    .leftJoin("assessments as a", "a.cycle_id", "c.id")
    .select((eb) => [
      "c.id",
      "c.name",
      "c.status",
      "c.starts_on",
      "c.due_on",
      "c.ends_on",
      "c.opened_at",
      "c.closed_at",
      "f.name as framework_name",
      "v.number as version_number",
      eb.fn.count<number>("a.id").filterWhere("a.status", "=", "draft").as("drafts"),
      eb.fn.count<number>("a.id").filterWhere("a.status", "=", "submitted").as("submitted"),
      eb.fn.count<number>("a.id").filterWhere("a.status", "=", "validated").as("validated"),
    ])
    .where("c.organization_id", "=", organizationId)
    .groupBy(["c.id", "c.organization_id", "f.name", "v.number"])
    .orderBy("c.starts_on", "desc");
  if (cycleId) query = query.where("c.id", "=", cycleId);
  return query.execute();
}

/**
 * The default framework's current version. Within a transaction the framework row is
 * share-locked, so an edit making a new version (which locks it FOR UPDATE) and the
 * opening of a cycle take turns: the cycle pins the version as it stands after the edit.
 */
async function defaultVersionId(organizationId: string, executor: typeof db = db) {
  const row = await executor
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select("f.current_version_id")
    .where("o.id", "=", organizationId)
    .forShare("f")
    .executeTakeFirst();
  if (!row?.current_version_id) throw conflict("Set a default framework before creating a cycle.");
  return row.current_version_id;
}

async function overlapping(organizationId: string, dates: CycleDates, exceptId?: string) {
  let query = db
    .selectFrom("cycles")
    .select("name")
    .where("organization_id", "=", organizationId)
    .where("starts_on", "<=", dates.endsOn)
    .where("ends_on", ">=", dates.startsOn);
  if (exceptId) query = query.where("id", "<>", exceptId);
  return query.executeTakeFirst();
}

export async function createCycle(ctx: MemberContext, input: NewCycle, ip: string | null = null) {
  const organizationId = ctx.organization.id;
  const taken = await db
    .selectFrom("cycles")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", input.name.toLowerCase()))
    .executeTakeFirst();
  if (taken) throw conflict("Name taken", { name: "Another cycle already has this name." });
  const clash = await overlapping(organizationId, input);
  if (clash) throw conflict("Dates overlap", { startsOn: `These dates overlap ${clash.name}.` });
  const versionId = await defaultVersionId(organizationId);
  return db.transaction().execute(async (trx) => {
    const cycle = await trx
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId,
        name: input.name,
        starts_on: input.startsOn,
        due_on: input.dueOn,
        ends_on: input.endsOn,
      })
      .returning(["id", "name"])
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "cycle.create",
        objectType: "cycle",
        objectId: cycle.id,
        details: input,
        ip,
      },
      trx,
    );
    return cycle;
  });
}

async function lockCycle(trx: typeof db, organizationId: string, cycleId: string) {
  const cycle = await trx
    .selectFrom("cycles")
    .select(["id", "name", "status"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", cycleId)
    .forUpdate()
    .executeTakeFirst();
  if (!cycle) throw notFound("Cycle");
  return cycle;
}

/**
 * Opens a planned cycle: pins the default framework's current version (so later edits make
 * a new version instead of changing this cycle's wording) and starts a draft assessment for
 * every active member. Drafts need no copied ratings: the form pre-fills each topic from the
 * member's newest rating, which keeps its real age (ADR 007).
 */
export async function openCycle(ctx: MemberContext, cycleId: string, ip: string | null = null) {
  const organizationId = ctx.organization.id;
  return db.transaction().execute(async (trx) => {
    const cycle = await lockCycle(trx, organizationId, cycleId);
    if (cycle.status !== "planned") throw conflict(`${cycle.name} is already ${cycle.status}.`);
    const versionId = await defaultVersionId(organizationId, trx);
    const open = await findOpenCycle(organizationId, { executor: trx });
    if (open)
      throw conflict(
        `Close ${open.name} before opening another cycle: one cycle is open at a time.`,
      );
    await trx
      .updateTable("cycles")
      .set({ status: "open", opened_at: new Date(), framework_version_id: versionId })
      .where("id", "=", cycle.id)
      .execute();
    const drafts = await trx
      .insertInto("assessments")
      .columns(["organization_id", "cycle_id", "member_id"])
      .expression((eb) =>
        eb
          .selectFrom("memberships")
          .select([
            "organization_id",
            sql<string>`${cycle.id}::uuid`.as("cycle_id"),
            "id as member_id",
          ])
          .where("organization_id", "=", organizationId)
          .where("active", "=", true),
      )
      .onConflict((oc) => oc.columns(["cycle_id", "member_id", "organization_id"]).doNothing())
      .executeTakeFirst();
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "cycle.open",
        objectType: "cycle",
        objectId: cycle.id,
        details: { drafts: Number(drafts.numInsertedOrUpdatedRows ?? 0) },
        ip,
      },
      trx,
    );
    return { drafts: Number(drafts.numInsertedOrUpdatedRows ?? 0) };
  });
}

/** Closes the open cycle: from then on its ratings are locked. */
export async function closeCycle(ctx: MemberContext, cycleId: string, ip: string | null = null) {
  const organizationId = ctx.organization.id;
  await db.transaction().execute(async (trx) => {
    const cycle = await lockCycle(trx, organizationId, cycleId);
    if (cycle.status !== "open")
      throw conflict(`Only an open cycle can be closed; ${cycle.name} is ${cycle.status}.`);
    // The trend over cycles reads these figures instead of rescanning rating history.
    await sql`SELECT record_cycle_progress(${cycle.id})`.execute(trx);
    await trx
      .updateTable("cycles")
      .set({ status: "closed", closed_at: new Date() })
      .where("id", "=", cycle.id)
      .execute();
    await withdrawCycleReminders(trx, organizationId, cycle.id);
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "cycle.close",
        objectType: "cycle",
        objectId: cycle.id,
        ip,
      },
      trx,
    );
  });
}

/** Moves the dates of a planned or open cycle (e.g. extends the due date). */
export async function changeCycleDates(
  ctx: MemberContext,
  cycleId: string,
  dates: CycleDates,
  ip: string | null = null,
) {
  const organizationId = ctx.organization.id;
  await db.transaction().execute(async (trx) => {
    const cycle = await lockCycle(trx, organizationId, cycleId);
    if (cycle.status === "closed")
      throw conflict(`${cycle.name} is closed; its dates are history.`);
    const clash = await overlapping(organizationId, dates, cycle.id);
    if (clash) throw invalid("Dates overlap", { startsOn: `These dates overlap ${clash.name}.` });
    await trx
      .updateTable("cycles")
      .set({ starts_on: dates.startsOn, due_on: dates.dueOn, ends_on: dates.endsOn })
      .where("id", "=", cycle.id)
      .execute();
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "cycle.dates",
        objectType: "cycle",
        objectId: cycle.id,
        details: dates,
        ip,
      },
      trx,
    );
  });
}

/** Deletes a cycle that was never opened (it holds no assessments). */
export async function deletePlannedCycle(
  ctx: MemberContext,
  cycleId: string,
  ip: string | null = null,
) {
  const organizationId = ctx.organization.id;
  await db.transaction().execute(async (trx) => {
    const cycle = await lockCycle(trx, organizationId, cycleId);
    if (cycle.status !== "planned")
      throw conflict(`${cycle.name} has been opened; it stays in the history.`);
    await trx.deleteFrom("cycles").where("id", "=", cycle.id).execute();
    await recordAudit(
      {
        organizationId,
        actorUserId: ctx.user.id,
        action: "cycle.delete",
        objectType: "cycle",
        objectId: cycle.id,
        details: { name: cycle.name },
        ip,
      },
      trx,
    );
  });
}
