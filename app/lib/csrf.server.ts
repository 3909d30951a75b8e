// Cross-site request check for every mutating request (on top of SameSite=Lax cookies).
// Browsers send Origin (or at least Sec-Fetch-Site) on POST; a request that names another
// site is refused. Clients that send neither (curl, API clients with bearer tokens) carry
// no ambient browser credentials and pass.

export const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RequestFacts {
  method: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  host: string | undefined;
  appUrl: string;
}

export function isCrossSiteRequest(req: RequestFacts): boolean {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return false;
  if (req.origin) {
    if (req.origin === "null") return true;
    let origin: URL;
    try {
      origin = new URL(req.origin);
    } catch {
      return true;
    }
    const app = new URL(req.appUrl);
    const sameAsApp = origin.origin === app.origin;
    const sameAsHost = req.host !== undefined && origin.host === req.host;
    return !(sameAsApp || sameAsHost);
  }
  return req.secFetchSite === "cross-site";
}
