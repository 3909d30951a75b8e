import { z } from "zod";

// The forms that word the 0–4 scale: the organisation's label and description per level,
// and a topic's own description per level (blank: the organisation's). No server code, so
// the browser may share them.

const text = (max: number, message: string) => z.string().trim().max(max, message);

export const DefaultDescriptorsSchema = z.object(
  Object.fromEntries(
    [0, 1, 2, 3, 4].flatMap((level) => [
      [
        `label.${level}`,
        text(40, "Keep the label under 40 characters.").min(1, "Give the level a label."),
      ],
      [
        `description.${level}`,
        text(500, "Keep the description under 500 characters.").min(1, "Describe the level."),
      ],
    ]),
  ) as Record<`label.${number}` | `description.${number}`, z.ZodString>,
);

export const TopicDescriptorsSchema = z.object(
  Object.fromEntries(
    [0, 1, 2, 3, 4].map((level) => [
      `description.${level}`,
      text(500, "Keep the description under 500 characters."),
    ]),
  ) as Record<`description.${number}`, z.ZodString>,
);
