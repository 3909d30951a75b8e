import { parse } from "csv-parse/sync";
import { db } from "#db/database";
import type { MemberRole } from "#db/schema";
import { conflict, invalid } from "~/lib/errors.server";
import type { MemberContext } from "./auth.server";
import { createInvitation } from "./invitations.server";
import { displayNameField, emailField, roleField } from "./schemas";

// Many invitations at once: a pasted list of emails (comma, semicolon or newline separated)
// or a CSV with a header row (email, name, team, role, target profile). Every row is checked
// and shown, with its row number, before anything is saved; sending again is harmless
// (people already invited or already members are reported, not invited twice).

export const BULK_INVITE_LIMIT = 1000;

export type RowStatus = "ready" | "invited" | "member" | "deactivated" | "repeated" | "error";

export interface InvitationRow {
  /** The spreadsheet's row number (the header is row 1), or the pasted entry's position. */
  row: number;
  email: string;
  name: string | null;
  role: MemberRole;
  team: string | null;
  teamId: string | null;
  profile: string | null;
  profileId: string | null;
  status: RowStatus;
  /** Why the row cannot be sent, or why it is skipped. */
  notes: string[];
}

interface RawRow {
  row: number;
  email: string;
  name: string;
  team: string;
  role: string;
  profile: string;
}

const HEADERS: Record<string, keyof Omit<RawRow, "row">> = {
  email: "email",
  emailaddress: "email",
  name: "name",
  displayname: "name",
  team: "team",
  role: "role",
  targetprofile: "profile",
  profile: "profile",
};

const normaliseHeader = (h: string) => h.toLowerCase().replace(/[^a-z]/g, "");

/** A CSV when the first line names an email column; else a list of addresses. */
function rowsOf(text: string): RawRow[] {
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  if (!trimmed) return [];
  const firstLine = trimmed.split(/\r?\n/, 1)[0]!;
  const isCsv = firstLine
    .split(/[,;\t]/)
    .some((cell) => HEADERS[normaliseHeader(cell)] === "email");
  if (!isCsv) {
    return trimmed
      .split(/[,;\r\n]+/)
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((email, i) => ({ row: i + 1, email, name: "", team: "", role: "", profile: "" }));
  }
  const delimiter = [",", ";", "\t"].find((d) => firstLine.includes(d)) ?? ",";
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with the line it ended on: the row number people see.
    records = parse(trimmed, {
      delimiter,
      bom: true,
      relax_column_count: true,
      info: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw invalid("Please correct the highlighted fields.", {
      text: `The CSV could not be read${line ? ` near row ${line}` : ""}: check its quotes.`,
    });
  }
  const [header, ...body] = records;
  const columns = header!.record.map((cell) => HEADERS[normaliseHeader(cell)] ?? null);
  return body.map(({ record, info }) => {
    const raw: RawRow = { row: info.lines, email: "", name: "", team: "", role: "", profile: "" };
    columns.forEach((column, i) => {
      if (column) raw[column] = (record[i] ?? "").trim();
    });
    return raw;
  });
}

/** The list from the form: an uploaded file (strict UTF-8) takes precedence over pasted text. */
export async function invitationListFrom(
  form: FormData,
): Promise<{ text: string; fileName: string | null }> {
  const file = form.get("file");
  if (file !== null && typeof file === "object" && (file.name || file.size)) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    try {
      if (bytes.includes(0)) throw new Error("binary");
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), fileName: file.name };
    } catch {
      throw invalid("Please correct the highlighted fields.", {
        file: "Choose a CSV file saved as UTF-8 text.",
      });
    }
  }
  const text = form.get("text");
  return { text: typeof text === "string" ? text : "", fileName: null };
}

const firstMessage = (error: { issues: { message: string }[] }) =>
  error.issues[0]?.message ?? "Invalid";

/** Checks every row against the organisation: nothing is saved. */
export async function previewBulkInvitations(
  organizationId: string,
  text: string,
): Promise<InvitationRow[]> {
  const raw = rowsOf(text);
  if (!raw.length) {
    throw invalid("Please correct the highlighted fields.", {
      text: "Paste at least one email address, or choose a CSV file.",
    });
  }
  if (raw.length > BULK_INVITE_LIMIT) {
    throw invalid("Please correct the highlighted fields.", {
      text: `At most ${BULK_INVITE_LIMIT.toLocaleString("en-GB")} rows at once; this list has ${raw.length.toLocaleString("en-GB")}. Split it in two.`,
    });
  }
  const emails = [...new Set(raw.map((r) => r.email.toLowerCase()).filter(Boolean))];
  const [teams, profiles, people, pending] = await Promise.all([
    db
      .selectFrom("teams")
      .select(["id", "name"])
      .where("organization_id", "=", organizationId)
      .execute(),
    db
      .selectFrom("target_profiles as p")
      .innerJoin("frameworks as f", "f.id", "p.framework_id")
      .innerJoin("organizations as o", "o.id", "p.organization_id")
      .select([
        "p.id",
        "p.name",
        (eb) => eb("f.id", "=", eb.ref("o.default_framework_id")).as("in_default"),
      ])
      .where("p.organization_id", "=", organizationId)
      .where("f.archived_at", "is", null)
      .execute(),
    emails.length
      ? db
          .selectFrom("memberships as m")
          .innerJoin("users as u", "u.id", "m.user_id")
          .select([(eb) => eb.fn<string>("lower", ["u.email"]).as("email"), "m.active"])
          .where("m.organization_id", "=", organizationId)
          .where((eb) => eb(eb.fn("lower", ["u.email"]), "in", emails))
          .execute()
      : [],
    emails.length
      ? db
          .selectFrom("invitations")
          .select("email")
          .where("organization_id", "=", organizationId)
          .where("email", "in", emails)
          .where("accepted_at", "is", null)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", new Date())
          .execute()
      : [],
  ]);
  const teamByName = new Map(teams.map((t) => [t.name.toLowerCase(), t]));
  const membership = new Map(people.map((p) => [p.email, p.active]));
  const invited = new Set(pending.map((p) => p.email));
  const seen = new Map<string, number>();

  return raw.map((r) => {
    const notes: string[] = [];
    const email = emailField.safeParse(r.email);
    if (!email.success)
      notes.push(
        r.email ? `“${r.email.slice(0, 80)}” is not an email address` : "The email is missing",
      );
    const name = r.name ? displayNameField.safeParse(r.name) : null;
    if (name && !name.success) notes.push(firstMessage(name.error));
    const role = r.role ? roleField.safeParse(r.role.toLowerCase()) : null;
    if (role && !role.success)
      notes.push(`Role “${r.role.slice(0, 40)}”: choose engineer, lead or admin`);
    const team = r.team ? teamByName.get(r.team.toLowerCase()) : null;
    if (r.team && !team) notes.push(`No team called “${r.team.slice(0, 80)}”`);
    let profile: { id: string; name: string } | null = null;
    if (r.profile) {
      const matches = profiles.filter((p) => p.name.toLowerCase() === r.profile.toLowerCase());
      const preferred = matches.length > 1 ? matches.filter((p) => p.in_default) : matches;
      if (preferred.length === 1) profile = preferred[0]!;
      else
        notes.push(
          matches.length
            ? `Target profile “${r.profile.slice(0, 80)}” is in several frameworks`
            : `No target profile called “${r.profile.slice(0, 80)}”`,
        );
    }
    const address = email.success ? email.data : r.email;
    let status: RowStatus = notes.length ? "error" : "ready";
    if (status === "ready") {
      const earlier = seen.get(address);
      if (earlier !== undefined) {
        status = "repeated";
        notes.push(`Same email as row ${earlier}`);
      } else if (membership.get(address) === true) {
        status = "member";
        notes.push("Already a member");
      } else if (membership.get(address) === false) {
        status = "deactivated";
        notes.push("A deactivated member: reactivate them from the member list");
      } else if (invited.has(address)) {
        status = "invited";
        notes.push("Already invited");
      }
      seen.set(address, r.row);
    }
    return {
      row: r.row,
      email: address,
      name: name?.success ? name.data : null,
      role: role?.success ? role.data : "engineer",
      team: team?.name ?? null,
      teamId: team?.id ?? null,
      profile: profile?.name ?? null,
      profileId: profile?.id ?? null,
      status,
      notes,
    };
  });
}

/**
 * Invites every ready row (each through the outbox, like a single invitation) and reports
 * the others by row number. The list is checked again here: what the preview showed is
 * not trusted to be what was posted.
 */
export async function sendBulkInvitations(ctx: MemberContext, text: string, ip: string | null) {
  const rows = await previewBulkInvitations(ctx.organization.id, text);
  const ready = rows.filter((r) => r.status === "ready");
  try {
    await db.transaction().execute(async (trx) => {
      for (const r of ready) {
        await createInvitation(
          trx,
          ctx,
          {
            email: r.email,
            role: r.role,
            teamId: r.teamId,
            displayName: r.name,
            targetProfileId: r.profileId,
          },
          ip,
        );
      }
    });
  } catch (error) {
    // One pending invitation per address (a unique index): a second click lost the race.
    if ((error as { code?: string }).code === "23505") {
      throw conflict(
        "These invitations were being sent already (a second click?). Reload the page to see them.",
      );
    }
    throw error;
  }
  return {
    sent: ready.length,
    skipped: rows
      .filter((r) => r.status !== "ready")
      .map(({ row, email, status, notes }) => ({ row, email, status, notes })),
  };
}
