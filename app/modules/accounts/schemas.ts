import { z } from "zod";

// One schema per input, shared by the form actions and (later) the API.

const trimmed = (max: number, label: string) =>
  z
    .string({ message: `${label} is required` })
    .transform((v) => v.replace(/\s+/g, " ").trim())
    .pipe(z.string().min(1, `${label} is required`).max(max, `${label} must be at most ${max} characters`));

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
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The passwords do not match" });

export const CreateOrganizationSchema = z.object({ name: organizationNameField });

/** Only same-site paths: an open redirect would turn our login page into a phishing aid. */
export function safeRedirect(to: string | null | undefined, fallback = "/dashboard"): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
