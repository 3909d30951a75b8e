import { z } from "zod";

// Learning links on a topic (title, URL, optional level): typed by admins in the topic
// editor, carried by the Markdown import ("- [Title](https://…) (level 3)" indented under a
// topic) and by the CSV "resources" column (one "Title | https://… | 3" per line). Client-safe.

export interface LearningResource {
  title: string;
  url: string;
  /** The level it helps reach; null for any. */
  level: number | null;
}

export const MAX_RESOURCES_PER_TOPIC = 20;

export function isWebUrl(value: string) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const LearningResourceSchema = z.object({
  title: z
    .string({ error: "Give the link a title." })
    .trim()
    .min(1, "Give the link a title.")
    .max(200, "Keep the title under 200 characters."),
  url: z
    .string({ error: "Give the link's address." })
    .trim()
    .max(2000, "Keep the address under 2,000 characters.")
    .refine(isWebUrl, "The address must start with http:// or https://."),
  level: z
    .union([z.literal(""), z.enum(["0", "1", "2", "3", "4"]), z.number().int().min(0).max(4)], {
      error: "Choose a level from 0 to 4, or none.",
    })
    .optional()
    .transform((v) => (v === "" || v === undefined ? null : Number(v))),
});

/** "Title | https://… | 3" (the level optional), as in a CSV cell; null when malformed. */
export function readResourceLine(line: string): LearningResource | null {
  const parts = line.split("|").map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) return null;
  const parsed = LearningResourceSchema.safeParse({
    title: parts[0],
    url: parts[1],
    level: parts[2] ?? "",
  });
  return parsed.success ? parsed.data : null;
}

export function writeResourceLine(resource: LearningResource): string {
  const title = resource.title.replace(/\|/g, "/");
  return resource.level === null
    ? `${title} | ${resource.url}`
    : `${title} | ${resource.url} | ${resource.level}`;
}

// Anchored, and the classes cannot overlap: linear on any input.
const LINK_ITEM =
  /^\[([^[\]\n]{1,200})\]\((https?:\/\/[^()\s]{1,2000})\)(?:[ \t]*\([Ll]evel[ \t]*([0-4])\))?$/;

/** A Markdown list item that is only a link (and optionally "(level N)"), as a resource. */
export function readResourceItem(itemText: string): LearningResource | null {
  const match = LINK_ITEM.exec(itemText.trim());
  if (!match) return null;
  const parsed = LearningResourceSchema.safeParse({
    title: match[1],
    url: match[2],
    level: match[3] ?? "",
  });
  return parsed.success ? parsed.data : null;
}
