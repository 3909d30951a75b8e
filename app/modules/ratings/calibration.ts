import type { CalibrationResolution } from "#db/schema";

// Client-safe names for calibration resolutions, shared by the review page and the module.

export const RESOLUTION_LABEL: Record<CalibrationResolution, string> = {
  lead_level: "Lead level set",
  self_level: "Member's level accepted",
  keep_both: "Discussed, both kept",
};

/** The key of one queue item's resolve form: its field errors are `<key>.<field>`. */
export const calibrationItemKey = (memberId: string, topicId: string) => `${memberId}.${topicId}`;
