import { describe, expect, it } from "vitest";
import {
  DefaultDescriptorsSchema,
  TopicDescriptorsSchema,
} from "~/modules/frameworks/level-descriptor-schemas";

// The forms that word the 0–4 scale: what they accept, and the message beside each field.

const levels = [0, 1, 2, 3, 4];
const scale = Object.fromEntries(
  levels.flatMap((l) => [
    [`label.${l}`, `Level ${l}`],
    [`description.${l}`, `What level ${l} means`],
  ]),
);

function fieldErrors(
  schema: typeof DefaultDescriptorsSchema | typeof TopicDescriptorsSchema,
  input: unknown,
) {
  const result = schema.safeParse(input);
  return result.success
    ? {}
    : Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
}

describe("the organisation's wording of the scale", () => {
  it("takes a label and a description for each of the five levels, trimmed", () => {
    const parsed = DefaultDescriptorsSchema.parse({ ...scale, "label.2": "  Working  " });
    expect(parsed["label.2"]).toBe("Working");
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(scale).sort());
  });

  it("wants every level labelled and described, within the limits", () => {
    expect(
      fieldErrors(DefaultDescriptorsSchema, {
        ...scale,
        "label.0": " ",
        "description.4": "",
        "label.3": "x".repeat(41),
        "description.1": "x".repeat(501),
      }),
    ).toEqual({
      "label.0": "Give the level a label.",
      "description.4": "Describe the level.",
      "label.3": "Keep the label under 40 characters.",
      "description.1": "Keep the description under 500 characters.",
    });
    expect(
      fieldErrors(DefaultDescriptorsSchema, {
        ...scale,
        "label.3": "x".repeat(40),
        "description.1": "x".repeat(500),
      }),
    ).toEqual({});
    const { "label.4": _missing, ...withoutOne } = scale;
    expect(Object.keys(fieldErrors(DefaultDescriptorsSchema, withoutOne))).toEqual(["label.4"]);
  });
});

describe("a topic's own wording", () => {
  it("may leave any level blank (the organisation's wording shows), trimmed", () => {
    const parsed = TopicDescriptorsSchema.parse({
      "description.0": "",
      "description.1": "  Reads the code  ",
      "description.2": "",
      "description.3": "",
      "description.4": "",
    });
    expect(parsed["description.1"]).toBe("Reads the code");
    expect(Object.keys(parsed).sort()).toEqual(levels.map((l) => `description.${l}`));
  });

  it("keeps each description under 500 characters", () => {
    const blank = Object.fromEntries(levels.map((l) => [`description.${l}`, ""]));
    expect(
      fieldErrors(TopicDescriptorsSchema, { ...blank, "description.2": "x".repeat(501) }),
    ).toEqual({
      "description.2": "Keep the description under 500 characters.",
    });
    expect(
      fieldErrors(TopicDescriptorsSchema, { ...blank, "description.2": "x".repeat(500) }),
    ).toEqual({});
  });
});
