import { z } from "zod";

// One schema per input, shared by the form actions and (later) the API.

const trimmed = (max: number, label: string) =>
  z
    .string({ message: `${label} is required` })
    .transform((v) => v.replace(/\s+/g, " ").trim())
    .pipe(
      z
        .string()
        .min(1, `${label} is required`)
        .max(max, `${label} must be at most ${max} characters`),
    );

export const emailField = z
  .string({ message: "Email is required" })
  .trim()
  .min(1, "Email is required")
  .max(254, "Email must be at most 254 characters")
  .pipe(z.email("Enter a valid email address, like ada@example.com"))
  .transform((v) => v.toLowerCase());

export const passwordField = z
  .string({ message: "Password is required" })
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters");

export const roleField = z.enum(["engineer", "lead", "admin"], {
  message: "Choose engineer, lead or admin",
});

export const displayNameField = trimmed(100, "Name");
export const organizationNameField = trimmed(100, "Organisation name");
export const teamNameField = trimmed(80, "Team name");
export const titleField = z
  .string()
  .transform((v) => v.replace(/\s+/g, " ").trim())
  .pipe(z.string().max(100, "Job title must be at most 100 characters"))
  .transform((v) => (v === "" ? null : v));

export const SignUpSchema = z.object({
  displayName: displayNameField,
  email: emailField,
  password: passwordField,
  organizationName: organizationNameField,
});

export const LoginSchema = z.object({
  email: emailField,
  password: z.string({ message: "Password is required" }).min(1, "Password is required").max(200),
  redirectTo: z.string().optional(),
});

export const InviteSchema = z.object({
  email: emailField,
  role: roleField,
  teamId: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.uuid("Choose a team from the list").nullable()),
});

export const AcceptInvitationSchema = z.object({
  displayName: displayNameField,
  password: passwordField,
});

export const RequestResetSchema = z.object({ email: emailField });
export const ResetPasswordSchema = z
  .object({ password: passwordField, confirm: z.string() })
  .refine((v) => v.password === v.confirm, {
    path: ["confirm"],
    message: "The passwords do not match",
  });

export const CreateOrganizationSchema = z.object({ name: organizationNameField });

// Browsers drop tabs and newlines inside a URL and trim spaces and control characters around
// it, so "/\t/evil.example" reaches them as "//evil.example": such a value is refused whole.
const UNSAFE_IN_REDIRECT = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

/**
 * Where to send the user after signing in: `to` only when it resolves, against the app's own
 * URL, to the app's own origin and holds no control character or whitespace; else the
 * fallback. An open redirect would turn our login page into a phishing aid. The answer is the
 * resolved path, so the Location header says exactly what was checked.
 */
export function safeRedirect(
  to: string | null | undefined,
  appUrl: string,
  fallback = "/dashboard",
): string {
  if (!to || UNSAFE_IN_REDIRECT.test(to)) return fallback;
  const app = new URL(appUrl);
  let target: URL;
  try {
    target = new URL(to, app);
  } catch {
    return fallback;
  }
  if (target.origin !== app.origin) return fallback;
  return `${target.pathname}${target.search}${target.hash}`;
}
