/** Where the REST API lives; the version is part of the path. */
export const API_BASE = "/api/v1";

/** Room for the largest framework import (1 MB of text) after JSON escaping. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
