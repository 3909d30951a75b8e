import { z } from "zod";
import { invalid } from "~/lib/errors.server";
import { todayIn } from "~/modules/assessments/cycles.server";
import {
  getMentorship,
  listMentorships,
  proposeMentorship,
  ProposeMentorshipSchema,
} from "~/modules/mentoring/mentorships.server";
import { endpoint, id, isoDate, level, pageFrom, pageOf, pageQuery } from "../api-endpoint.server";

const status = z.enum(["proposed", "active", "completed", "cancelled", "declined"]);

const MentorshipSchema = z.object({
  id,
  status,
  mentor: z.object({ id, name: z.string() }),
  mentee: z.object({ id, name: z.string() }),
  topic: z.object({ id, name: z.string() }),
  goalLevel: z.number().int(),
  levelBefore: level.describe("The mentee's level when the mentorship was proposed."),
  levelNow: level,
  cadenceDays: z.number().int(),
  startsOn: isoDate.nullable(),
  dueOn: isoDate.nullable(),
  checkIns: z.number().int(),
  lastCheckIn: isoDate.nullable(),
  nextCheckIn: isoDate.nullable(),
  overdue: z.boolean(),
});

type Summary = Awaited<ReturnType<typeof listMentorships>>[number];

function mentorshipJson(m: Summary): z.input<typeof MentorshipSchema> {
  return {
    id: m.id,
    status: m.status,
    mentor: { id: m.mentorId, name: m.mentorName },
    mentee: { id: m.menteeId, name: m.menteeName },
    topic: { id: m.topicId, name: m.topicName },
    goalLevel: m.goalLevel,
    levelBefore: m.levelBefore,
    levelNow: m.levelNow,
    cadenceDays: m.cadenceDays,
    startsOn: m.startsOn,
    dueOn: m.dueOn,
    checkIns: m.checkIns,
    lastCheckIn: m.lastCheckIn,
    nextCheckIn: m.nextCheckIn,
    overdue: m.overdue,
  };
}

const MentorshipDetailSchema = MentorshipSchema.extend({
  checkInLog: z.array(
    z.object({
      id,
      occurredOn: isoDate,
      notes: z.string().nullable(),
      levelEstimate: level,
      loggedBy: z.string().nullable(),
    }),
  ),
});

export const mentorshipEndpoints = [
  endpoint({
    operationId: "listMentorships",
    method: "GET",
    path: "/mentorships",
    tag: "Mentorships",
    summary: "List mentorships",
    write: false,
    query: z.object({
      ...pageQuery,
      member: id.optional().describe("Mentorships where this member is mentor or mentee."),
      topic: id.optional(),
      status: status.optional(),
    }),
    success: { status: 200, schema: pageOf(MentorshipSchema) },
    async handle({ actor, query }) {
      const rows = await listMentorships(
        actor.organization.id,
        {
          participant: query.member,
          topicId: query.topic,
          status: query.status,
          page: { afterId: query.cursor ?? null, limit: query.limit + 1 },
        },
        todayIn(actor.organization.timeZone),
      );
      const page = pageFrom(rows, query.limit, (m) => m.id);
      return { json: { ...page, data: page.data.map(mentorshipJson) } };
    },
  }),
  endpoint({
    operationId: "getMentorship",
    method: "GET",
    path: "/mentorships/{mentorshipId}",
    tag: "Mentorships",
    summary: "Get a mentorship with its check-ins",
    write: false,
    params: z.object({ mentorshipId: id }),
    success: { status: 200, schema: MentorshipDetailSchema },
    async handle({ actor, params }) {
      const { mentorship, checkIns } = await getMentorship(actor, params.mentorshipId);
      return {
        json: {
          ...mentorshipJson(mentorship),
          checkInLog: checkIns.map((c) => ({
            id: c.id,
            occurredOn: c.occurred_on,
            notes: c.notes,
            levelEstimate: c.level_estimate,
            loggedBy: c.logged_by,
          })),
        },
      };
    },
  }),
  endpoint({
    operationId: "proposeMentorship",
    method: "POST",
    path: "/mentorships",
    tag: "Mentorships",
    summary: "Propose a mentorship",
    description:
      "The same rules as the lead's form: no self-mentoring, no deactivated people, a goal above the mentee's current level, no second open mentorship for the same pair and topic, and the organisation's mentor capacity unless `overrideCapacity` (audited). Mentor and mentee are notified; the mentor accepts in the app.",
    write: true,
    body: z.strictObject({
      mentorId: id,
      menteeId: id,
      topicId: id,
      goalLevel: z.number().int().min(1).max(4),
      cadenceDays: z.number().int().min(1).max(365),
      dueOn: isoDate.nullable().default(null),
      overrideCapacity: z.boolean().default(false),
    }),
    success: { status: 201, schema: MentorshipDetailSchema },
    async handle({ actor, body, ip }) {
      const input = ProposeMentorshipSchema.safeParse({
        ...body,
        dueOn: body.dueOn ?? "",
        overrideCapacity: body.overrideCapacity ? "on" : "",
      });
      if (!input.success)
        throw invalid(
          "The mentorship is not valid.",
          Object.fromEntries(input.error.issues.map((i) => [String(i.path[0]), i.message])),
        );
      const { id: mentorshipId } = await proposeMentorship(actor, input.data, ip);
      const { mentorship } = await getMentorship(actor, mentorshipId);
      return {
        status: 201,
        json: { ...mentorshipJson(mentorship), checkInLog: [] },
        auditObjectId: mentorshipId,
      };
    },
  }),
];
