// The demo's growth side: learning links on the topics people most often lack, and
// development plans in every team, last quarter's (its report shows which goals were met)
// and this quarter's, tied to a mentorship where one covers the goal.
import type { Kysely, Transaction } from "kysely";
import type { Database } from "#db/schema";
import { insertChunked } from "./bulk";
import {
  OPEN,
  TEAMS,
  utc,
  validatorOf,
  type DemoCycle,
  type Person,
  type Story,
  type Topic,
} from "./demo-story";

type Trx = Transaction<Database> | Kysely<Database>;

/** Official documentation for topics of the default framework (matched on the name). */
const LEARNING: [RegExp, string, string][] = [
  [
    /event loop/i,
    "The Node.js event loop",
    "https://nodejs.org/en/learn/asynchronous-work/event-loop-timers-and-nexttick",
  ],
  [/streams/i, "Node.js streams", "https://nodejs.org/api/stream.html"],
  [
    /asynchronous programming/i,
    "Asynchronous flow control",
    "https://nodejs.org/en/learn/asynchronous-work/asynchronous-flow-control",
  ],
  [/error handling/i, "Errors in Node.js", "https://nodejs.org/api/errors.html"],
  [/child processes/i, "Worker threads", "https://nodejs.org/api/worker_threads.html"],
  [/restful/i, "HTTP semantics (RFC 9110)", "https://www.rfc-editor.org/rfc/rfc9110"],
  [
    /^sql/i,
    "PostgreSQL: using EXPLAIN",
    "https://www.postgresql.org/docs/current/using-explain.html",
  ],
  [/connection pooling/i, "node-postgres: pooling", "https://node-postgres.com/features/pooling"],
  [
    /caching strategies/i,
    "Redis: caching patterns",
    "https://redis.io/docs/latest/develop/use/client-side-caching/",
  ],
  [
    /profiling/i,
    "Profiling Node.js applications",
    "https://nodejs.org/en/learn/getting-started/profiling",
  ],
  [
    /memory leaks/i,
    "Understanding and tuning memory",
    "https://nodejs.org/en/learn/diagnostics/memory",
  ],
  [
    /authentication/i,
    "OWASP authentication cheat sheet",
    "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
  ],
  [/secure coding/i, "OWASP Top 10", "https://owasp.org/www-project-top-ten/"],
  [
    /rate limiting/i,
    "OWASP API security: resource consumption",
    "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
  ],
  [/unit testing/i, "Node.js test runner", "https://nodejs.org/api/test.html"],
  [
    /docker/i,
    "Dockerizing a Node.js app",
    "https://nodejs.org/en/learn/getting-started/nodejs-docker-webapp",
  ],
  [/module systems/i, "ECMAScript modules in Node.js", "https://nodejs.org/api/esm.html"],
  [/typescript/i, "TypeScript handbook", "https://www.typescriptlang.org/docs/handbook/intro.html"],
];

const ACTIONS = [
  "Pair on the next change in this area, then lead one with review.",
  "Read the linked guide and write up what surprised you for the team channel.",
  "Take the next ticket that touches this, and walk the team through it.",
  "Work through the mentor's exercises, one every two weeks.",
];

function learningFor(topic: Topic) {
  return LEARNING.filter(([match]) => match.test(topic.name));
}

/** The must-have topics furthest below the person's target in `cycle` (their real level). */
function biggestGaps(story: Story, person: Person, topics: Topic[], cycle: number, count: number) {
  return topics
    .filter((t) => t.priority[person.profile] === "must_have")
    .map((t) => ({ topic: t, level: story.truth[person.index]?.[t.index]?.[cycle] ?? null }))
    .filter((g): g is { topic: Topic; level: number } => g.level !== null)
    .map((g) => ({ ...g, gap: g.topic.target[person.profile] - g.level }))
    .filter((g) => g.gap > 0)
    .sort((a, b) => b.gap - a.gap || a.topic.index - b.topic.index)
    .slice(0, count);
}

export async function writeGrowth(
  trx: Trx,
  organizationId: string,
  story: Story,
  topics: Topic[],
  cycles: DemoCycle[],
  cycleIds: string[],
  mentorshipIds: string[],
  userOf: (p: Person) => string,
  memberOf: (p: Person) => string,
) {
  const resources = topics.flatMap((topic) =>
    learningFor(topic).map(([, title, url], position) => ({
      organization_id: organizationId,
      topic_id: topic.id,
      title,
      url,
      level: null,
      position,
      created_at: utc(cycles[0]!.starts, 9),
    })),
  );
  if (resources.length) await insertChunked(trx, "topic_resources", resources);

  // Two growing engineers per team: a plan last quarter and one now.
  const planned = TEAMS.flatMap((team) =>
    story.people
      .filter((p) => p.team === team && !p.isLead && !p.deactivatedOn && p.profile !== "senior")
      .slice(0, 2),
  );
  const last = OPEN - 1;
  for (const person of planned) {
    const lead = validatorOf(person, story.people);
    for (const cycle of [last, OPEN]) {
      const cycleInfo = cycles[cycle]!;
      const plan = await trx
        .insertInto("development_plans")
        .values({
          organization_id: organizationId,
          member_id: memberOf(person),
          cycle_id: cycleIds[cycle]!,
          created_by_user_id: userOf(lead ?? person),
          created_at: utc(cycleInfo.starts, 10),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      // Goals one level up from where the person stood as the plan began.
      const goals = biggestGaps(story, person, topics, cycle - 1, 3).map((g, position) => {
        const mentorship = story.mentorships.findIndex(
          (m) => m.mentee === person && m.topic === g.topic && m.plan.status === "active",
        );
        return {
          organization_id: organizationId,
          plan_id: plan.id,
          topic_id: g.topic.id,
          target_level: Math.min(4, g.level + 1),
          due_cycle_id: cycleIds[cycle]!,
          actions: ACTIONS[(person.index + position) % ACTIONS.length]!,
          learning_urls: learningFor(g.topic).map(([, , url]) => url),
          mentorship_id: mentorship >= 0 ? (mentorshipIds[mentorship] ?? null) : null,
          position,
          created_at: utc(cycleInfo.starts, 10, position + 1),
        };
      });
      if (goals.length) await insertChunked(trx, "plan_goals", goals);
      if (lead)
        await trx
          .insertInto("plan_comments")
          .values({
            organization_id: organizationId,
            plan_id: plan.id,
            author_user_id: userOf(lead),
            body:
              cycle === OPEN
                ? "Good choices. Let's look at the first goal together at our next one-to-one."
                : "Agreed. Bring what you tried to the end-of-quarter review.",
            created_at: utc(cycleInfo.starts, 15),
          })
          .execute();
    }
  }
}
