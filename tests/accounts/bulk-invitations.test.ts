import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as bulk from "~/routes/_app.admin.members.bulk";
import * as invite from "~/routes/invite.$token";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";
import { buildRequest, call } from "../support/remix";

interface PreviewRow {
  row: number;
  email: string;
  name: string | null;
  role: string;
  team: string | null;
  profile: string | null;
  status: string;
  notes: string[];
}
interface Answer {
  preview?: PreviewRow[];
  text?: string;
  sent?: { sent: number; skipped: { row: number; status: string; notes: string[] }[] };
  fieldErrors?: Record<string, string>;
  formError?: string;
}

/** Posts the page's form as the browser does: multipart, with the CSV as a file. */
function upload(cookie: string, intent: "preview" | "send", csv: string) {
  const form = new FormData();
  form.set("intent", intent);
  form.set("text", "");
  form.set("file", new File([csv], "people.csv", { type: "text/csv" }));
  const request = new Request("http://localhost:3000/admin/members/bulk", {
    method: "POST",
    headers: { Cookie: cookie },
    body: form,
  });
  return call<Answer>(bulk.action, request);
}

function paste(cookie: string, intent: "preview" | "send", text: string) {
  return call<Answer>(
    bulk.action,
    buildRequest("/admin/members/bulk", { cookie, form: { intent, text } }),
  );
}

async function pendingInvitations(organizationId: string) {
  return db
    .selectFrom("invitations")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .execute();
}

describe("bulk invitations", () => {
  it("previews a 300-row CSV with its two bad rows by number, then sends the other 298 through the outbox, once", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    await createTeamRow(organizationId, "Platform");
    const profile = await db
      .selectFrom("target_profiles")
      .select(["id", "name"])
      .where("organization_id", "=", organizationId)
      .orderBy("position")
      .executeTakeFirstOrThrow();
    const lines = ["email,name,team,role,target profile"];
    for (let i = 1; i <= 300; i++) {
      const email = i === 41 ? "not-an-email" : `person${i}@bulk.test`;
      const team = i === 203 ? "Nonexistent" : i % 2 ? "platform" : "";
      lines.push(
        `${email},Person ${i},${team},${i % 5 === 0 ? "Lead" : ""},${i % 3 === 0 ? profile.name : ""}`,
      );
    }
    const csv = `${lines.join("\n")}\n`;

    const started = Date.now();
    const preview = await upload(admin.cookie, "preview", csv);
    const previewMs = Date.now() - started;
    expect(preview.status).toBe(200);
    const rows = preview.data.preview!;
    expect(rows).toHaveLength(300);
    // Spreadsheet numbering: the header is row 1, person i is on row i + 1.
    expect(rows.filter((r) => r.status === "error").map((r) => [r.row, r.notes])).toEqual([
      [42, ["“not-an-email” is not an email address"]],
      [204, ["No team called “Nonexistent”"]],
    ]);
    expect(rows.find((r) => r.email === "person15@bulk.test")).toMatchObject({
      row: 16,
      name: "Person 15",
      role: "lead",
      team: "Platform",
      profile: profile.name,
      status: "ready",
    });
    expect(await pendingInvitations(organizationId)).toEqual([]);

    const sending = Date.now();
    const sent = await upload(admin.cookie, "send", csv);
    console.log(
      `bulk invitations: preview of 300 rows ${previewMs} ms, send ${Date.now() - sending} ms`,
    );
    expect(sent.data.sent).toEqual({
      sent: 298,
      skipped: [
        {
          row: 42,
          email: "not-an-email",
          status: "error",
          notes: ["“not-an-email” is not an email address"],
        },
        {
          row: 204,
          email: "person203@bulk.test",
          status: "error",
          notes: ["No team called “Nonexistent”"],
        },
      ],
    });
    const invitations = await pendingInvitations(organizationId);
    expect(invitations).toHaveLength(298);
    const outbox = await db
      .selectFrom("notifications")
      .select(["recipient_email", "status", "action_url"])
      .where("organization_id", "=", organizationId)
      .where("kind", "=", "invitation")
      .execute();
    expect(outbox).toHaveLength(298);
    expect(new Set(outbox.map((n) => n.recipient_email)).size).toBe(298);
    expect(outbox.every((n) => n.status === "pending")).toBe(true);

    // Sending the same file again invites no one twice.
    const again = await upload(admin.cookie, "send", csv);
    expect(again.data.sent!.sent).toBe(0);
    expect(again.data.sent!.skipped.filter((s) => s.status === "invited")).toHaveLength(298);
    expect(await pendingInvitations(organizationId)).toHaveLength(298);

    // The person accepts and gets the team, role and target profile of their row.
    const link = outbox.find((n) => n.recipient_email === "person15@bulk.test")!.action_url!;
    const token = link.split("/invite/")[1]!;
    const accepted = await call(
      invite.action,
      buildRequest(`/invite/${token}`, {
        form: { displayName: "Person Fifteen", password: "a long enough password" },
      }),
      { token },
    );
    expect(accepted.status).toBe(302);
    const member = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("team_members as tm", "tm.membership_id", "m.id")
      .innerJoin("teams as t", "t.id", "tm.team_id")
      .select(["m.role", "m.target_profile_id", "t.name"])
      .where("u.email", "=", "person15@bulk.test")
      .executeTakeFirstOrThrow();
    expect(member).toEqual({ role: "lead", target_profile_id: profile.id, name: "Platform" });
  }, 120_000);

  it("takes a pasted list split by commas, semicolons and new lines, and reports members, invitations and repeats", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const member = await addMember(organizationId);
    await paste(admin.cookie, "send", "already@paste.test");
    const text = `new1@paste.test, new2@paste.test;new3@paste.test\n${member.email}\r\nALREADY@paste.test\n\nnew1@paste.test`;
    const preview = await paste(admin.cookie, "preview", text);
    expect(
      preview.data.preview!.map((r) => [r.row, r.email, r.status, r.notes.join("; ")]),
    ).toEqual([
      [1, "new1@paste.test", "ready", ""],
      [2, "new2@paste.test", "ready", ""],
      [3, "new3@paste.test", "ready", ""],
      [4, member.email, "member", "Already a member"],
      [5, "already@paste.test", "invited", "Already invited"],
      [6, "new1@paste.test", "repeated", "Same email as row 1"],
    ]);
    const sent = await paste(admin.cookie, "send", text);
    expect(sent.data.sent!.sent).toBe(3);
    expect((await pendingInvitations(organizationId)).map((i) => i.email).sort()).toEqual([
      "already@paste.test",
      "new1@paste.test",
      "new2@paste.test",
      "new3@paste.test",
    ]);
  });

  it("refuses more than 1,000 rows, and an empty list, beside the field, saving nothing", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const many = Array.from({ length: 1001 }, (_, i) => `p${i}@many.test`).join("\n");
    const tooMany = await paste(admin.cookie, "send", many);
    expect(tooMany.status).toBe(422);
    expect(tooMany.data.fieldErrors!.text).toBe(
      "At most 1,000 rows at once; this list has 1,001. Split it in two.",
    );
    const empty = await paste(admin.cookie, "preview", " \n ");
    expect(empty.data.fieldErrors!.text).toBe(
      "Paste at least one email address, or choose a CSV file.",
    );
    expect(await pendingInvitations(organizationId)).toEqual([]);
  });

  it("is for admins only", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const lead = await addMember(organizationId, "lead");
    const refused = await paste(lead.cookie, "send", "x@admins-only.test");
    expect(refused.status).toBe(403);
    expect(await pendingInvitations(organizationId)).toEqual([]);
  });
});
