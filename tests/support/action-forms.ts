import type { Tenant } from "./tenant-fixture";

// A well-formed post for every form of every action route, naming the tenant's own
// objects: the starting point the hostile-input generator mutates, and what another
// organisation's people post to prove they cannot touch these objects.

export type Poster = "anonymous" | "admin" | "leadOwn" | "engineer" | "drafter";

export interface ActionForm {
  /** Which form of the route (its intent, or what it does). */
  name: string;
  /** Who posts it when the tenant's own people use it. */
  as: Poster;
  fields: Record<string, string>;
}

/** URL params for every route pattern, filled with the tenant's objects. */
export function tenantParams(t: Tenant, routeId: string): Record<string, string> {
  const token = routeId.startsWith("invite.")
    ? t.inviteToken
    : routeId.startsWith("reset-password.")
      ? t.resetToken
      : t.muteToken;
  return {
    frameworkId: t.frameworkId,
    profileId: t.senior,
    topicId: t.topic.a1,
    memberId: t.ben.membershipId,
    teamId: t.teamT.id,
    mentorshipId: t.mentorshipId,
    reportId: t.teamReportId,
    exportId: t.exportId,
    token,
  };
}

/** The query string a route needs to show anything (the mentor picker: a mentee and a topic). */
export function tenantSearch(t: Tenant, routeId: string): string {
  return routeId === "_app.gaps.mentors" ? `?mentee=${t.ben.membershipId}&topic=${t.topic.a1}` : "";
}

const dates = { startsOn: "2027-04-01", dueOn: "2027-05-15", endsOn: "2027-06-30" };
const levels = Object.fromEntries(
  [0, 1, 2, 3, 4].flatMap((l) => [
    [`label.${l}`, `Level ${l}`],
    [`description.${l}`, `What level ${l} looks like`],
  ]),
);

export function actionForms(t: Tenant): Record<string, ActionForm[]> {
  const { a1, a2 } = t.topic;
  const f = (name: string, as: Poster, fields: Record<string, string>): ActionForm => ({ name, as, fields });
  return {
    "_app.admin.cycles._index": [
      f("create", "admin", { intent: "create", name: "2027-Q2", ...dates }),
      f("dates", "admin", { intent: "dates", cycleId: t.plannedCycleId, startsOn: "2027-01-04", dueOn: "2027-02-20", endsOn: "2027-03-31" }),
      f("open", "admin", { intent: "open", cycleId: t.plannedCycleId }),
      f("close", "admin", { intent: "close", cycleId: t.plannedCycleId }),
      f("delete", "admin", { intent: "delete", cycleId: t.plannedCycleId }),
    ],
    "_app.admin.frameworks.$frameworkId": [
      f("add-category", "admin", { intent: "add-category", name: "Operations", description: "Running things" }),
      f("update-category", "admin", { intent: "update-category", categoryId: t.categoryId, name: "Renamed", description: "" }),
      f("category-up", "admin", { intent: "category-down", categoryId: t.categoryId }),
      f("recategorise", "admin", { intent: "recategorise", topicId: a2, categoryId: t.categoryId }),
      f("add-profile", "admin", { intent: "add-profile", name: "Staff" }),
      f("profile-down", "admin", { intent: "profile-down", profileId: t.senior }),
      f("add", "admin", { intent: "add", categoryId: t.categoryId, name: "Tracing", description: "Spans" }),
      f("update", "admin", { intent: "update", topicId: a1, name: "Renamed topic", description: "" }),
      f("retire", "admin", { intent: "retire", topicId: a2 }),
      f("up", "admin", { intent: "up", topicId: a2 }),
    ],
    "_app.admin.frameworks.$frameworkId_.profiles.$profileId": [
      f("save", "admin", { intent: "save", [`level.${a1}`]: "3", [`priority.${a1}`]: "must_have" }),
      f("bulk", "admin", { intent: "bulk", categoryId: t.categoryId, level: "2", priority: "good_to_have" }),
    ],
    "_app.admin.frameworks.$frameworkId_.topics.$topicId": [
      f("descriptors", "admin", Object.fromEntries([0, 1, 2, 3, 4].map((l) => [`description.${l}`, `Level ${l} here`]))),
      f("add-resource", "admin", { intent: "add-resource", title: "The handbook", url: "https://example.com/handbook", level: "3" }),
    ],
    "_app.admin.frameworks._index": [
      f("levels", "admin", { intent: "levels", ...levels }),
      f("default", "admin", { frameworkId: t.frameworkId }),
    ],
    "_app.admin.frameworks.import": [
      f("preview", "admin", { intent: "preview", name: "Imported", text: "# Cloud\n- Kubernetes\n- Terraform\n" }),
      f("save", "admin", { intent: "save", name: "Imported", text: "# Cloud\n- Kubernetes\n" }),
    ],
    "_app.admin.members.$memberId": [
      f("role", "admin", { intent: "role", role: "lead" }),
      f("profile", "admin", { intent: "profile", title: "Staff engineer", targetProfileId: t.senior }),
      f("deactivate", "admin", { intent: "deactivate" }),
      f("reactivate", "admin", { intent: "reactivate" }),
      // A name that is not the member's: refused beside the field (erasures: tests/organisation-data).
      f("erase", "admin", { intent: "erase", confirmName: "Somebody else" }),
    ],
    "_app.admin.members._index": [
      f("invite", "admin", { intent: "invite", email: "new.person@example.test", role: "engineer", teamId: t.teamT.id }),
      f("revoke", "admin", { intent: "revoke", invitationId: t.invitationId }),
    ],
    "_app.admin.members.bulk": [
      f("preview", "admin", { intent: "preview", text: "email,name,team,role,target profile\nnew.one@example.test,New One,,engineer," }),
      f("send", "admin", { intent: "send", text: "new.two@example.test; new.three@example.test" }),
    ],
    "_app.admin.api-tokens": [
      f("create", "admin", { intent: "create", name: "CI exporter", scope: "read", expiresOn: "" }),
      f("revoke", "admin", { intent: "revoke", tokenId: t.plannedCycleId }),
    ],
    "_app.admin.organisation-data": [
      f("export", "admin", { intent: "export" }),
      // Not the organisation's name: refused, so the fixture stays open for every other test.
      f("close", "admin", { intent: "close", confirmName: "Another organisation" }),
    ],
    "_app.admin.outbox": [
      f("retry", "admin", { notificationId: t.notificationId }),
      f("retry-channel", "admin", { deliveryId: t.channelDeliveryId }),
    ],
    "_app.admin.queues": [f("retry", "admin", { queue: "email", jobId: "1" })],
    // Nothing answers at the issuer here: a save is refused beside the issuer field.
    "_app.admin.sso": [
      f("save", "admin", {
        intent: "save",
        issuerUrl: "http://127.0.0.1:9",
        clientId: "gapmap",
        clientSecret: "s3cret",
        allowedDomains: "example.test",
        defaultRole: "engineer",
        defaultTeamId: t.teamT.id,
        requireSso: "on",
      }),
      f("remove", "admin", { intent: "remove" }),
    ],
    "_app.admin.settings": [
      f("settings", "admin", {
        name: `${t.mark} Org`,
        timeZone: "Europe/Berlin",
        privacyFloor: "3",
        staleAfterDays: "182",
        mentorCapacity: "3",
        dueReminderDays: "7, 1",
      }),
    ],
    "_app.admin.teams.$teamId": [
      f("rename", "admin", { intent: "rename", name: `${t.mark} Team T2` }),
      f("add", "admin", { intent: "add", memberId: t.dan.membershipId, isLead: "no" }),
      f("lead", "admin", { intent: "lead", memberId: t.ann.membershipId, isLead: "yes" }),
      f("remove", "admin", { intent: "remove", memberId: t.cat.membershipId }),
      f("target", "admin", { intent: "target", topicId: a2, minPeople: "1", minLevel: "2" }),
      f("untarget", "admin", { intent: "untarget", targetId: t.targetId }),
    ],
    "_app.admin.teams._index": [f("create", "admin", { name: "Platform" })],
    // Nothing listens at the fixture's webhook: a test message is refused beside the form.
    "_app.admin.teams.$teamId_.channels": [
      f("set", "admin", { intent: "set", kind: "slack", url: "https://hooks.slack.com/services/T0/B0/x" }),
      f("test", "admin", { intent: "test", channelId: t.channelId }),
      f("remove", "admin", { intent: "remove", channelId: t.channelId }),
    ],
    "_app.assessment": [
      f("save", "drafter", { [`level.${a1}`]: "2", [`base.${a1}`]: "", [`note.${a1}`]: "Did a course", [`evidence.${a1}`]: "https://example.com/cert" }),
      f("submit", "drafter", { intent: "submit", [`level.${a2}`]: "1", [`base.${a2}`]: "" }),
      f("reopen", "drafter", { intent: "reopen" }),
    ],
    // Ben's own plan, and his lead's (and an admin's) goals and comments on it; the open cycle is 2026-Q4.
    "_app.growth._index": [
      f("add-goal", "engineer", { intent: "add-goal", topicId: a2, targetLevel: "3", dueCycleId: t.plannedCycleId, actions: "Pair on it", learningLinks: "https://example.com/a2" }),
      f("comment", "engineer", { intent: "comment", body: "Starting with the course" }),
    ],
    "_app.growth.members.$memberId": [
      f("add-goal", "leadOwn", { intent: "add-goal", topicId: t.topic.b1, targetLevel: "2", dueCycleId: t.cycleId, actions: "", learningLinks: "" }),
      f("comment", "leadOwn", { intent: "comment", body: "Looks good" }),
      f("add-goal-admin", "admin", { intent: "add-goal", topicId: a1, targetLevel: "4", dueCycleId: t.cycleId, actions: "", learningLinks: "" }),
    ],
    "_app.gaps.mentors": [
      f("propose", "leadOwn", { mentorId: t.ann.membershipId, menteeId: t.cat.membershipId, topicId: a2, goalLevel: "2", cadenceDays: "14", dueOn: "" }),
    ],
    "_app.gaps.review": [
      f("resolve", "leadOwn", { memberId: t.ann.membershipId, topicId: a1, selfRatingId: String(t.calibration.selfRatingId), leadRatingId: String(t.calibration.leadRatingId), resolution: "keep_both", note: "Talked it through" }),
    ],
    "_app.gaps_.members.$memberId_.validate": [
      f("save", "leadOwn", { intent: "save", [`lead.${a1}`]: "2", [`comment.${a1}`]: "Seen it" }),
      f("validate", "leadOwn", { intent: "validate", [`lead.${a1}`]: "2", [`comment.${a1}`]: "" }),
      f("agree", "leadOwn", { intent: `agree:${a1}`, [`lead.${a1}`]: "", [`base.${a1}`]: "", [`comment.${a1}`]: "Fair" }),
      f("agree-category", "leadOwn", { intent: `agree-category:${t.categoryId}`, [`lead.${a1}`]: "" }),
      f("undo", "leadOwn", { intent: "undo" }),
    ],
    "_app.mentoring.$mentorshipId": [
      f("checkin", "engineer", { intent: "checkin", occurredOn: "2026-11-20", notes: "Paired on it", levelEstimate: "2" }),
      f("accept", "engineer", { intent: "accept" }),
      f("decline", "engineer", { intent: "decline" }),
      f("complete", "engineer", { intent: "complete" }),
      f("cancel", "engineer", { intent: "cancel" }),
    ],
    "_app.mentoring._index": [f("answer", "engineer", { mentorshipId: t.mentorshipId, answer: "accept" })],
    "_app.calendar": [
      f("issue", "engineer", { intent: "issue", includeTeam: "on" }),
      f("revoke", "engineer", { intent: "revoke" }),
    ],
    "_app.messages": [f("receive", "engineer", { "receive.cycle_opened": "on", "receive.report_ready": "on" })],
    "_app.reports._index": [f("generate", "leadOwn", { cycleId: t.cycleId, teamId: t.teamT.id })],
    "forgot-password": [f("request", "anonymous", { email: t.ann.email })],
    "invite.$token": [f("accept", "anonymous", { displayName: "New Person", password: "a long enough password" })],
    login: [f("login", "anonymous", { email: t.ann.email, password: "not the password", redirectTo: "/dashboard" })],
    logout: [f("logout", "engineer", {})],
    "mute.$token": [f("mute", "anonymous", { muted: "true" })],
    "orgs._index": [
      f("create", "engineer", { name: "Side project" }),
      // The organisation is open: there is no deletion to cancel.
      f("cancel-deletion", "admin", { intent: "cancel-deletion", organizationId: t.organizationId }),
    ],
    "orgs.switch": [f("switch", "engineer", { organizationId: t.organizationId })],
    "reset-password.$token": [f("reset", "anonymous", { password: "another long password", confirm: "another long password" })],
    sso: [f("continue", "anonymous", { email: "pat@example.test", redirectTo: "/dashboard" })],
    signup: [f("signup", "anonymous", { displayName: "Sam", email: "sam@example.test", password: "a long enough password", organizationName: "Sam's" })],
  };
}
