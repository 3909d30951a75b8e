import { z } from "zod";

// The one description of a team channel's input, shared by the admin form and the API
// (client-safe: no server imports).

export const CHANNEL_KINDS = ["slack", "teams", "webhook"] as const;
type ChannelKindName = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_LABEL: Record<ChannelKindName, string> = {
  slack: "Slack",
  teams: "Microsoft Teams",
  webhook: "Signed webhook",
};

/** Longer than any Slack, Teams (Workflows) or sensible webhook URL, short enough to store. */
export const MAX_CHANNEL_URL_LENGTH = 2048;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A webhook URL: https, or plain http to this machine when `allowLoopbackHttp` (development
 * and tests, where the receiver is a local process).
 */
export function channelUrlField(allowLoopbackHttp: boolean) {
  return z
    .string({ error: "Enter the webhook URL." })
    .trim()
    .min(1, "Enter the webhook URL.")
    .max(
      MAX_CHANNEL_URL_LENGTH,
      `A webhook URL is at most ${MAX_CHANNEL_URL_LENGTH.toLocaleString("en")} characters.`,
    )
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "Enter a full URL starting with https://." });
        return;
      }
      if (url.username || url.password) {
        ctx.addIssue({
          code: "custom",
          message: "A webhook URL cannot carry a user name or password.",
        });
        return;
      }
      if (url.protocol === "https:") return;
      if (url.protocol === "http:" && allowLoopbackHttp && LOOPBACK_HOSTS.has(url.hostname)) return;
      ctx.addIssue({
        code: "custom",
        message: allowLoopbackHttp
          ? "The URL must start with https:// (plain http only to this machine, in development)."
          : "The URL must start with https://.",
      });
    });
}

export function channelInputSchema(allowLoopbackHttp: boolean) {
  return z.object({
    kind: z.enum(CHANNEL_KINDS, { error: "Choose Slack, Microsoft Teams or a signed webhook." }),
    url: channelUrlField(allowLoopbackHttp),
  });
}
export type ChannelInput = z.output<ReturnType<typeof channelInputSchema>>;
