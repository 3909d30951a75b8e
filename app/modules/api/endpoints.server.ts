import type { Endpoint } from "./api-endpoint.server";
import { channelEndpoints } from "./endpoints/channels.server";
import { frameworkEndpoints } from "./endpoints/frameworks.server";
import { gapEndpoints } from "./endpoints/gaps.server";
import { growthEndpoints } from "./endpoints/growth.server";
import { mentorshipEndpoints } from "./endpoints/mentorships.server";
import { organisationDataEndpoints } from "./endpoints/organisation-data.server";
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
  ...growthEndpoints,
  ...channelEndpoints,
  ...organisationDataEndpoints,
];
