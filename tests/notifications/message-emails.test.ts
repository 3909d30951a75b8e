import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { MUTABLE_KINDS } from "~/modules/notifications/mutes.server";
import { invitationEmail, reminderEmail } from "~/modules/notifications/templates.server";
import * as previewsRoute from "~/routes/_app.admin.emails";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

// Emails rendered with React Email: HTML and text from one component, times where the
// organisation is, and the admin's preview of every kind.

const textOf = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&[a-z#0-9]+;/g, " ");

describe("message emails", () => {
  it("renders the text part from the same component as the HTML, with the expiry in the organisation's time zone", () => {
    const message = invitationEmail({
      organizationName: "Acme <Labs>",
      inviterName: "Ada",
      role: "engineer",
      link: "http://localhost:3000/invite/abc",
      expiresAt: new Date("2026-12-13T23:30:00Z"),
      timeZone: "Asia/Tokyo",
    });
    expect(message.subject).toBe("Ada invited you to Acme <Labs> on Gapmap");
    // 23:30 UTC is the next morning in Tokyo.
    expect(message.text).toContain("expires on Monday, 14 December 2026 at 08:30 (Asia/Tokyo)");
    expect(message.text).toContain("Accept the invitation: http://localhost:3000/invite/abc");
    expect(message.html).toContain("Acme &lt;Labs&gt;");
    expect(message.html).not.toContain("<Labs>");
    for (const sentence of ["invited you to join Acme", "skills framework, self-assessments and mentoring"]) {
      expect(textOf(message.html)).toContain(sentence);
      expect(message.text).toContain(sentence);
    }
  });

  it("fills each person's name and mute link into a reminder rendered once, escaped in the HTML", () => {
    const content = { kind: "lead_digest", title: "Your teams", lines: ["2 wait", "3 gaps"], action: { label: "Open", url: "http://localhost:3000/gaps/review" } };
    const input = (name: string, mute: string) => ({ kind: "lead_digest" as const, recipientName: name, content, kindLabel: "Weekly lead digest", muteUrl: mute });
    const a = reminderEmail(input("Bob <script>", "http://localhost:3000/mute/a.1"));
    const b = reminderEmail(input("Eve", "http://localhost:3000/mute/b.2"));
    expect(a.text).toContain("Hello Bob <script>,");
    expect(a.html).toContain("Hello Bob &lt;script&gt;,");
    expect(a.html).not.toContain("<script>");
    expect(a.text).toContain("Stop them: http://localhost:3000/mute/a.1");
    expect(b.text).toContain("Hello Eve,");
    expect(b.html).toContain('href="http://localhost:3000/mute/b.2"');
    expect(b.text).not.toContain("/mute/a.1");
    // The digest's counts read as a list.
    expect(a.text).toMatch(/\* 2 wait\n \* 3 gaps/);
  });

  it("previews every message kind for admins, with Slack and Teams posts for team kinds", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    // A real digest in the outbox is shown instead of the example.
    await db
      .insertInto("notifications")
      .values({
        organization_id: organizationId,
        kind: "lead_digest",
        recipient_user_id: admin.id,
        recipient_email: admin.email,
        idempotency_key: `preview:${organizationId}`,
        subject: "Real digest",
        body_text: "x",
        content: JSON.stringify({ kind: "lead_digest", title: "Real digest title", lines: ["7 wait for you"], action: { label: "Open", url: "http://localhost:3000/gaps/review" } }),
      })
      .execute();
    const page = await call<Awaited<ReturnType<typeof previewsRoute.loader>>>(previewsRoute.loader, buildRequest("/admin/emails", { cookie: admin.cookie }));
    const kinds = page.data.previews.map((p) => p.kind);
    expect(kinds).toEqual(["invitation", "password_reset", "mentorship_proposed", "mentorship_accepted", "assessment_validated", ...MUTABLE_KINDS]);
    for (const p of page.data.previews) {
      expect(p.html.startsWith("<!DOCTYPE html>"), p.kind).toBe(true);
      expect(p.text, p.kind).toMatch(/: http:\/\/localhost:3000\//);
    }
    const digest = page.data.previews.find((p) => p.kind === "lead_digest")!;
    expect(digest).toMatchObject({ subject: "Real digest title", example: false });
    expect(JSON.stringify(digest.slack)).toContain("7 wait for you");
    expect(JSON.stringify(digest.teams)).toContain("AdaptiveCard");
    expect(page.data.previews.find((p) => p.kind === "assessment_overdue")!.slack).toBeNull();
  });
});
