import type { TargetPriority } from "#db/schema";

/** Which people and topics a gap view covers, resolved and checked for the viewer. */
export interface GapScope {
  organizationId: string;
  versionId: string;
  /** null = the whole organisation (admins only). */
  teamId: string | null;
  categoryId: string | null;
  priority: TargetPriority | null;
  /** "People on profile": only members whose own target profile this is. */
  profileId: string | null;
  /**
   * "Compare against": the yardstick. null = each person against their own profile's
   * targets; a profile = everyone in view against that profile's targets.
   */
  compareProfileId: string | null;
  /** Ratings older than this are shown faded as stale. */
  staleBefore: Date;
  /** Charts that aggregate people are hidden for groups smaller than this. */
  privacyFloor: number;
}

/** The filters as they appear in the URL, so a view can be shared. */
export interface GapFilters {
  team: string;
  category: string | null;
  priority: TargetPriority | null;
  profile: string | null;
  compare: string | null;
}
