import { z } from "zod";
import { db } from "#db/database";
import { getMember, membersQuery } from "~/modules/accounts/members.server";
import { getTeam } from "~/modules/accounts/teams.server";
import { endpoint, id, isoTime, pageFrom, pageOf, pageQuery } from "../api-endpoint.server";

const role = z.enum(["engineer", "lead", "admin"]);

const MemberSchema = z.object({
  id,
  name: z.string(),
  email: z.string(),
  role,
  title: z.string().nullable(),
  active: z.boolean(),
  targetProfileId: id.nullable(),
  teams: z.array(z.object({ id, name: z.string(), isLead: z.boolean() })),
  joinedAt: isoTime,
});

const TeamSchema = z.object({
  id,
  name: z.string(),
  members: z.array(
    z.object({
      id,
      name: z.string(),
      role,
      title: z.string().nullable(),
      active: z.boolean(),
      isLead: z.boolean(),
    }),
  ),
  createdAt: isoTime,
});

function memberJson(m: {
  id: string;
  display_name: string;
  email: string;
  role: z.infer<typeof role>;
  title: string | null;
  active: boolean;
  target_profile_id: string | null;
  created_at: Date;
  teams: { id: string; name: string; isLead: boolean }[];
}): z.input<typeof MemberSchema> {
  return {
    id: m.id,
    name: m.display_name,
    email: m.email,
    role: m.role,
    title: m.title,
    active: m.active,
    targetProfileId: m.target_profile_id,
    teams: m.teams,
    joinedAt: m.created_at.toISOString(),
  };
}

const flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const peopleEndpoints = [
  endpoint({
    operationId: "listMembers",
    method: "GET",
    path: "/members",
    tag: "Members",
    summary: "List the organisation's members",
    write: false,
    query: z.object({
      ...pageQuery,
      team: id.optional().describe("Only members of this team."),
      role: role.optional(),
      active: flag.optional().describe("`true`: active members only; `false`: deactivated only."),
    }),
    success: { status: 200, schema: pageOf(MemberSchema) },
    async handle({ principal, query }) {
      let rows = membersQuery(principal.organizationId);
      if (query.cursor) rows = rows.where("m.id", ">", query.cursor);
      if (query.role) rows = rows.where("m.role", "=", query.role);
      if (query.active !== undefined) rows = rows.where("m.active", "=", query.active);
      if (query.team)
        rows = rows.where((eb) =>
          eb.exists(
            eb
              .selectFrom("team_members as tm")
              .select("tm.team_id")
              .whereRef("tm.membership_id", "=", "m.id")
              .where("tm.team_id", "=", query.team!),
          ),
        );
      const found = await rows
        .orderBy("m.id")
        .limit(query.limit + 1)
        .execute();
      const page = pageFrom(found, query.limit, (m) => m.id);
      return { json: { ...page, data: page.data.map(memberJson) } };
    },
  }),
  endpoint({
    operationId: "getMember",
    method: "GET",
    path: "/members/{memberId}",
    tag: "Members",
    summary: "Get one member",
    write: false,
    params: z.object({ memberId: id }),
    success: { status: 200, schema: MemberSchema },
    async handle({ principal, params }) {
      const m = await getMember(principal.organizationId, params.memberId);
      return {
        json: memberJson({
          ...m,
          teams: m.teams.map((t) => ({ id: t.id, name: t.name, isLead: t.is_lead })),
        }),
      };
    },
  }),
  endpoint({
    operationId: "listTeams",
    method: "GET",
    path: "/teams",
    tag: "Teams",
    summary: "List the organisation's teams",
    write: false,
    query: z.object(pageQuery),
    success: {
      status: 200,
      schema: pageOf(TeamSchema.omit({ members: true }).extend({ memberCount: z.number().int() })),
    },
    async handle({ principal, query }) {
      let rows = db
        .selectFrom("teams as t")
        .select((eb) => [
          "t.id",
          "t.name",
          "t.created_at",
          eb
            .selectFrom("team_members as tm")
            .innerJoin("memberships as m", "m.id", "tm.membership_id")
            .select(eb.fn.countAll<number>().as("n"))
            .whereRef("tm.team_id", "=", "t.id")
            .where("m.active", "=", true)
            .as("member_count"),
        ])
        .where("t.organization_id", "=", principal.organizationId);
      if (query.cursor) rows = rows.where("t.id", ">", query.cursor);
      const found = await rows
        .orderBy("t.id")
        .limit(query.limit + 1)
        .execute();
      const page = pageFrom(found, query.limit, (t) => t.id);
      return {
        json: {
          ...page,
          data: page.data.map((t) => ({
            id: t.id,
            name: t.name,
            memberCount: Number(t.member_count ?? 0),
            createdAt: t.created_at.toISOString(),
          })),
        },
      };
    },
  }),
  endpoint({
    operationId: "getTeam",
    method: "GET",
    path: "/teams/{teamId}",
    tag: "Teams",
    summary: "Get one team with its members and leads",
    write: false,
    params: z.object({ teamId: id }),
    success: { status: 200, schema: TeamSchema },
    async handle({ principal, params }) {
      const team = await getTeam(principal.organizationId, params.teamId);
      return {
        json: {
          id: team.id,
          name: team.name,
          createdAt: team.created_at.toISOString(),
          members: team.members.map((m) => ({
            id: m.id,
            name: m.display_name,
            role: m.role,
            title: m.title,
            active: m.active,
            isLead: m.is_lead,
          })),
        },
      };
    },
  }),
];
