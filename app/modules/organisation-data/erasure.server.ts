import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { db } from "#db/database";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";

// A member's personal data erased on request (GDPR art. 17). The choice, documented in the
// README ("Organisation data"): the person's ratings stay, anonymised, so the organisation's
// figures (gap view, reports, trends) do not change after the fact; everything that names
// or describes the person goes: name and email (replaced), password, sessions, reset links,
// their notes and evidence links on ratings, check-in notes of their mentorships, the
// actions, links and comments of their development plans and every plan comment they wrote,
// leads' notes on settling their calibration items, their calendar feed, their messages
// and mute settings, their name in reports' frozen snapshots and in the audit log's
// details. The membership stays as it was (active or not: deactivating is its own decision),
// so the current figures count the ratings too; nobody can sign in as them any more (no
// password, no email, no session), and their outbox address is a .invalid one.
// An account that also belongs to another organisation is refused: that organisation's
// data is not this admin's to erase.

export const ERASED_NAME = "Erased member";

export async function eraseMember(
  ctx: MemberContext,
  membershipId: string,
  typedName: string,
  ip: string | null,
) {
  const member = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.id", "m.user_id", "u.display_name", "u.email"])
    .where("m.organization_id", "=", ctx.organization.id)
    .where("m.id", "=", membershipId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  if (member.user_id === ctx.user.id)
    throw conflict("You cannot erase yourself; ask another admin.");
  if (typedName.trim() !== member.display_name)
    throw invalid("Type the person's name exactly to confirm.", {
      confirmName: `Type “${member.display_name}” to confirm.`,
    });
  const elsewhere = await db
    .selectFrom("memberships")
    .select("id")
    .where("user_id", "=", member.user_id)
    .where("organization_id", "<>", ctx.organization.id)
    .executeTakeFirst();
  if (elsewhere)
    throw conflict(
      "This person also belongs to another organisation, whose data this organisation cannot erase. Deactivate them here; they can ask that organisation too.",
    );

  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('gapmap.erasure', 'on', true)`.execute(trx);
    const oldName = member.display_name;
    const oldEmail = member.email;
    await trx
      .updateTable("users")
      .set({
        display_name: ERASED_NAME,
        email: `erased-${randomUUID()}@erased.invalid`,
        password_hash: null,
      })
      .where("id", "=", member.user_id)
      .execute();
    await trx.deleteFrom("sessions").where("user_id", "=", member.user_id).execute();
    await trx.deleteFrom("password_resets").where("user_id", "=", member.user_id).execute();
    await trx.deleteFrom("notification_mutes").where("user_id", "=", member.user_id).execute();
    await trx.deleteFrom("notifications").where("recipient_user_id", "=", member.user_id).execute();
    await trx
      .updateTable("memberships")
      .set({ title: null })
      .where("id", "=", membershipId)
      .execute();
    await trx
      .updateTable("ratings")
      .set({ note: null, evidence_urls: sql`'{}'::text[]` })
      .where("organization_id", "=", ctx.organization.id)
      .where("member_id", "=", membershipId)
      .where((eb) =>
        eb.or([eb("note", "is not", null), eb(sql`cardinality(evidence_urls)`, ">", 0)]),
      )
      .execute();
    await trx
      .updateTable("check_ins")
      .set({ notes: null })
      .where("organization_id", "=", ctx.organization.id)
      .where("mentorship_id", "in", (eb) =>
        eb
          .selectFrom("mentorships")
          .select("id")
          .where((w) =>
            w.or([w("mentee_id", "=", membershipId), w("mentor_id", "=", membershipId)]),
          ),
      )
      .execute();
    // Their development plans keep their goals' topics, targets and due cycles (the reports'
    // figures), as ratings keep their levels; the plans' words go: goals' actions and links,
    // every comment on them, and every comment they wrote on someone else's plan.
    const theirPlans = trx
      .selectFrom("development_plans")
      .select("id")
      .where("organization_id", "=", ctx.organization.id)
      .where("member_id", "=", membershipId);
    await trx
      .updateTable("plan_goals")
      .set({ actions: "", learning_urls: sql`'{}'::text[]` })
      .where("organization_id", "=", ctx.organization.id)
      .where("plan_id", "in", theirPlans)
      .execute();
    await trx
      .deleteFrom("plan_comments")
      .where("organization_id", "=", ctx.organization.id)
      .where((eb) =>
        eb.or([eb("plan_id", "in", theirPlans), eb("author_user_id", "=", member.user_id)]),
      )
      .execute();
    // A lead's note on settling their calibration describes them; the resolution stays.
    await trx
      .updateTable("calibration_resolutions")
      .set({ note: null })
      .where("organization_id", "=", ctx.organization.id)
      .where("member_id", "=", membershipId)
      .where("note", "is not", null)
      .execute();
    // Their calendar feed's address would still show their check-ins and due dates.
    await trx.deleteFrom("calendar_feeds").where("membership_id", "=", membershipId).execute();
    await trx
      .updateTable("report_rows")
      .set({ member_name: ERASED_NAME })
      .where("organization_id", "=", ctx.organization.id)
      .where("member_id", "=", membershipId)
      .execute();
    const quoted = (value: string) => sql`to_jsonb(${value}::text)::text`;
    await sql`UPDATE reports SET snapshot = replace(snapshot::text, ${quoted(oldName)}, ${quoted(ERASED_NAME)})::jsonb
      WHERE organization_id = ${ctx.organization.id} AND strpos(snapshot::text, ${quoted(oldName)}) > 0`.execute(
      trx,
    );
    await sql`UPDATE audit_log SET details = replace(replace(details::text, ${quoted(oldName)}, ${quoted(ERASED_NAME)}),
        ${quoted(oldEmail)}, '"erased"')::jsonb
      WHERE organization_id = ${ctx.organization.id}
        AND (strpos(details::text, ${quoted(oldName)}) > 0 OR strpos(details::text, ${quoted(oldEmail)}) > 0)`.execute(
      trx,
    );
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "member.erased",
        objectType: "membership",
        objectId: membershipId,
        ip,
      },
      trx,
    );
  });
}
