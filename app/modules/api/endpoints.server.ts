import type { Endpoint } from "./api-endpoint.server";
import { frameworkEndpoints } from "./endpoints/frameworks.server";
import { gapEndpoints } from "./endpoints/gaps.server";
import { mentorshipEndpoints } from "./endpoints/mentorships.server";
import { peopleEndpoints } from "./endpoints/people.server";
import { ratingEndpoints } from "./endpoints/ratings.server";
import { reportEndpoints } from "./endpoints/reports.server";

/** Every /api/v1 endpoint, in the order the OpenAPI document lists them. */
export const API_ENDPOINTS: Endpoint[] = [
  ...peopleEndpoints,
  ...frameworkEndpoints,
  ...ratingEndpoints,
  ...gapEndpoints,
  ...mentorshipEndpoints,
  ...reportEndpoints,
];
