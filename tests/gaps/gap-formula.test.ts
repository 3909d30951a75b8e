import { describe, expect, it } from "vitest";
import { GAP_FORMULA_TEXT, PRIORITY_WEIGHT } from "~/modules/gaps/gap-formula";

// The sentence the gap view shows beside the ranking comes from the same constants the
// ranking's SQL uses: it must state those weights, and the rules for who counts.

describe("the gap formula as the page states it", () => {
  it("names each priority's weight, the one the ranking uses", () => {
    expect(GAP_FORMULA_TEXT).toContain(
      `Weights: must-have ${PRIORITY_WEIGHT.must_have}, good-to-have ${PRIORITY_WEIGHT.good_to_have}, advanced ${PRIORITY_WEIGHT.advanced}.`,
    );
    expect(PRIORITY_WEIGHT.must_have).toBeGreaterThan(PRIORITY_WEIGHT.good_to_have);
    expect(PRIORITY_WEIGHT.good_to_have).toBeGreaterThan(PRIORITY_WEIGHT.advanced);
  });

  it("says how the score adds up, whose level counts, and what is left out", () => {
    expect(GAP_FORMULA_TEXT).toMatch(
      /^Score = Σ over the people below target of \(priority weight × levels short\)\. /,
    );
    expect(GAP_FORMULA_TEXT).toContain(
      "A person's level is their lead's where the lead has validated their latest rating, else their own; ",
    );
    expect(GAP_FORMULA_TEXT).toMatch(/N\/A and unrated topics are left out\.$/);
  });
});
